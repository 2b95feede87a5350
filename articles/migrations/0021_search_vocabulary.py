# "Did you mean" corrects towards every word of the published articles (articles/search/
# vocabulary.py); on PostgreSQL a trigram index finds the words close to a slip.

from importlib import import_module

from django.db import migrations, models


# Raw SQL that runs on PostgreSQL and is skipped elsewhere: 0006_search's operation.
PostgreSQLOnly = import_module("articles.migrations.0006_search").PostgreSQLOnly


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
