"""The vocabulary "Did you mean" corrects towards: every word of the published articles
(headline, standfirst, body and tags) with the number of articles using it (`SearchWord`).

`rebuild()` replaces it in one transaction from the published articles: on PostgreSQL with
`ts_stat` over the 'simple' text-search configuration (the default parser skips markup and
entities, so link targets and tags never become words), elsewhere in Python. A recurring job
runs it hourly (articles/jobs.py); `seed_demo` runs it once.
"""

import html
import re
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article, TaggedArticle
from articles.models.articles import ArticleQuerySet
from articles.search.models import SearchWord

MIN_LENGTH, MAX_LENGTH = 3, 60
ALPHABETIC = re.compile(r"[^\W\d_]+")
MARKUP = re.compile(r"<[^>]*>")

# Only our own SQL goes in: the public rule's condition (its values are parameters) and the
# length constants.
_POSTGRESQL_REBUILD = f"""
DROP TABLE IF EXISTS pg_temp.search_public_ids;
CREATE TEMPORARY TABLE search_public_ids ON COMMIT DROP AS
    SELECT a.id FROM articles_article a WHERE {{public}};
DELETE FROM articles_searchword;
INSERT INTO articles_searchword (word, articles)
SELECT word, ndoc FROM ts_stat($$
    SELECT to_tsvector('simple', a.headline || ' ' || a.standfirst || ' ' || a.body || ' ' ||
        coalesce((SELECT string_agg(tag.name, ' ') FROM articles_taggedarticle tagged
                  JOIN articles_tag tag ON tag.id = tagged.tag_id
                  WHERE tagged.content_object_id = a.id), ''))
    FROM articles_article a JOIN search_public_ids p ON p.id = a.id
$$)
WHERE char_length(word) BETWEEN {MIN_LENGTH} AND {MAX_LENGTH} AND word !~ '[^[:alpha:]]';
"""  # noqa: S608


def words_of(text: str) -> set[str]:
    """The lower-case alphabetic words of `text` (markup removed) that the vocabulary keeps."""
    plain = html.unescape(MARKUP.sub(" ", text)).lower()
    return {w for w in ALPHABETIC.findall(plain) if MIN_LENGTH <= len(w) <= MAX_LENGTH}


def rebuild() -> int:
    """Replace the vocabulary with the published articles' words; the number of words."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            public, params = ArticleQuerySet.public_sql(timezone.now(), connection)
            with connection.cursor() as cursor:
                cursor.execute(_POSTGRESQL_REBUILD.format(public=public), params)
        else:
            _rebuild_in_python()
        return SearchWord.objects.count()


def _rebuild_in_python():
    published = Article.objects.published()
    tags: dict[int, list[str]] = {}
    for article_id, name in TaggedArticle.objects.filter(content_object__in=published).values_list(
        "content_object_id", "tag__name"
    ):
        tags.setdefault(article_id, []).append(name)
    counts = Counter()
    rows = published.values_list("pk", "headline", "standfirst", "body")
    for pk, headline, standfirst, body in rows.iterator(chunk_size=500):
        counts.update(words_of(" ".join([headline, standfirst, body, *tags.get(pk, ())])))
    SearchWord.objects.all().delete()
    SearchWord.objects.bulk_create(
        (SearchWord(word=word, articles=n) for word, n in counts.items()), batch_size=1000
    )
