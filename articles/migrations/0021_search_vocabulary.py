# "Did you mean" corrects towards every word of the published articles (articles/search/
# vocabulary.py); on PostgreSQL a trigram index finds the words close to a slip.

from django.db import migrations, models


class PostgreSQLOnly(migrations.RunSQL):
    """Raw SQL that runs on PostgreSQL and is skipped elsewhere (as in 0006_search)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0020_edit_lock_per_user'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('word', models.CharField(max_length=60, primary_key=True, serialize=False)),
                ('articles', models.PositiveIntegerField(help_text='Published articles that use the word.')),
            ],
            options={
                'verbose_name': 'search word',
            },
        ),
        PostgreSQLOnly(
            "CREATE INDEX searchword_word_trgm_idx ON articles_searchword "
            "USING gin (word gin_trgm_ops);",
            "DROP INDEX IF EXISTS searchword_word_trgm_idx;",
        ),
    ]
