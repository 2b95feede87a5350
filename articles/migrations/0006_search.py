# Full-text search (articles/search.py): the stored, weighted search vector, kept fresh by
# triggers, its GIN index, and trigram indexes for "Did you mean". PostgreSQL only: on SQLite
# the column stays empty and articles/search.py falls back to simple matching.

import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Headline and tags weigh A, standfirst B, body C. The body is sanitised HTML: the default
# text-search parser reads tags and entities as their own token types, which the english
# configuration does not index, so markup and link targets never become search words.
SEARCH_VECTOR_FUNCTION = """
CREATE OR REPLACE FUNCTION articles_article_search_vector(
    article_id bigint, headline text, standfirst text, body text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(headline, '')), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(tag.name, ' ')
            FROM articles_taggedarticle tagged
            JOIN articles_tag tag ON tag.id = tagged.tag_id
            WHERE tagged.content_object_id = article_id
        ), '')), 'A')
        || setweight(to_tsvector('english', coalesce(standfirst, '')), 'B')
        || setweight(to_tsvector('english', coalesce(body, '')), 'C')
$$;
"""

# An article's own row: recomputed on every insert and on any update that writes its text
# (a Django save() writes every loaded column, so every save refreshes it).
ARTICLE_TRIGGER = """
CREATE OR REPLACE FUNCTION articles_article_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := articles_article_search_vector(
        NEW.id, NEW.headline, NEW.standfirst, NEW.body
    );
    RETURN NEW;
END $$;
CREATE TRIGGER articles_article_search_refresh
    BEFORE INSERT OR UPDATE OF headline, standfirst, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_refresh();
"""

# Tags live in other tables: adding or removing a tag (one statement for any number, as
# taggit does it), or renaming a tag, refreshes the vectors of the articles concerned.
TAG_TRIGGERS = """
CREATE OR REPLACE FUNCTION articles_article_search_refresh_ids(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE articles_article
    SET search_vector = articles_article_search_vector(id, headline, standfirst, body)
    WHERE id = ANY(ids);
$$;
CREATE OR REPLACE FUNCTION articles_taggedarticle_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM articles_article_search_refresh_ids(
            ARRAY(SELECT DISTINCT content_object_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM articles_article_search_refresh_ids(
            ARRAY(SELECT DISTINCT content_object_id FROM old_rows));
    ELSE
        PERFORM articles_article_search_refresh_ids(ARRAY(
            SELECT content_object_id FROM old_rows
            UNION SELECT content_object_id FROM new_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_taggedarticle_search_insert
    AFTER INSERT ON articles_taggedarticle REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_taggedarticle_search_refresh();
CREATE TRIGGER articles_taggedarticle_search_delete
    AFTER DELETE ON articles_taggedarticle REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_taggedarticle_search_refresh();
CREATE TRIGGER articles_taggedarticle_search_update
    AFTER UPDATE ON articles_taggedarticle
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_taggedarticle_search_refresh();
CREATE OR REPLACE FUNCTION articles_tag_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_article_search_refresh_ids(ARRAY(
        SELECT content_object_id FROM articles_taggedarticle WHERE tag_id = NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER articles_tag_search_rename
    AFTER UPDATE OF name ON articles_tag
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION articles_tag_search_refresh();
"""

INDEXES = """
CREATE INDEX article_search_vector_idx ON articles_article USING gin (search_vector);
CREATE INDEX article_headline_trgm_idx ON articles_article USING gin (headline gin_trgm_ops);
CREATE INDEX tag_name_trgm_idx ON articles_tag USING gin (name gin_trgm_ops);
"""

BACKFILL = """
UPDATE articles_article
SET search_vector = articles_article_search_vector(id, headline, standfirst, body);
"""

REVERSE = """
DROP TRIGGER IF EXISTS articles_tag_search_rename ON articles_tag;
DROP TRIGGER IF EXISTS articles_taggedarticle_search_update ON articles_taggedarticle;
DROP TRIGGER IF EXISTS articles_taggedarticle_search_delete ON articles_taggedarticle;
DROP TRIGGER IF EXISTS articles_taggedarticle_search_insert ON articles_taggedarticle;
DROP TRIGGER IF EXISTS articles_article_search_refresh ON articles_article;
DROP FUNCTION IF EXISTS articles_tag_search_refresh();
DROP FUNCTION IF EXISTS articles_taggedarticle_search_refresh();
DROP FUNCTION IF EXISTS articles_article_search_refresh_ids(bigint[]);
DROP FUNCTION IF EXISTS articles_article_search_refresh();
DROP FUNCTION IF EXISTS articles_article_search_vector(bigint, text, text, text);
DROP INDEX IF EXISTS tag_name_trgm_idx;
DROP INDEX IF EXISTS article_headline_trgm_idx;
DROP INDEX IF EXISTS article_search_vector_idx;
"""


class PostgreSQLOnly(migrations.RunSQL):
    """Raw SQL that runs on PostgreSQL and is skipped elsewhere (SQLite has no tsvector)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_corrections_related_pins_old_tag_slugs'),
    ]

    operations = [
        # Skips itself on other databases.
        TrigramExtension(),
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, help_text='Kept up to date by the database (headline, tags, standfirst, body) for search.', null=True),
        ),
        PostgreSQLOnly(
            SEARCH_VECTOR_FUNCTION + ARTICLE_TRIGGER + TAG_TRIGGERS + INDEXES + BACKFILL,
            REVERSE,
        ),
    ]
