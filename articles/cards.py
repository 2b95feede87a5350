"""Article cards read with one plain SQL query: the reader listings' and related stories' path.

Profiled on an uncached listing, Django composing the card query (three tables' columns with
deferrals, the public rule, the order) cost more CPU than running it and building the page
together; the related-stories query (a bounded candidate pool, pin and shared-tag ranking) cost
a third of the article page. Here the SQL is written once, the rows become ordinary `Article`,
`Section` and `Image` instances through `Model.from_db()` (deferred to what a card shows, with
each field's own database converters), so cards and templates keep using the models' methods.

The public rule below is `ArticleQuerySet.public_q()` in SQL; tests/articles/test_cards.py
holds the two to the same answer on every status and time combination.
"""

from django.db import connections, router
from django.db.models.expressions import Col
from django.utils import timezone

from articles.models import Article, Byline, Image, RelatedPin, Section, TaggedArticle

ARTICLE_COLUMNS = (
    "id", "headline", "slug", "standfirst", "credit_list", "lead_image_id", "section_id",
    "status", "published_at", "unpublish_at",
)  # fmt: skip
SECTION_COLUMNS = ("id", "name", "slug")
IMAGE_COLUMNS = ("id", "file", "width", "height", "alt_text", "focal_x", "focal_y", "renditions")
PUBLIC_STATUSES = (Article.Status.PUBLISHED.value, Article.Status.SCHEDULED.value)

ARTICLES = Article._meta.db_table
_SELECT = ", ".join(
    [f"a.{c}" for c in ARTICLE_COLUMNS]
    + [f"s.{c}" for c in SECTION_COLUMNS]
    + [f"i.{c}" for c in IMAGE_COLUMNS]
)
_FROM = (
    f"{ARTICLES} a JOIN {Section._meta.db_table} s ON s.id = a.section_id "
    f"LEFT JOIN {Image._meta.db_table} i ON i.id = a.lead_image_id"
)
_PARTS = (
    (Article, ARTICLE_COLUMNS),
    (Section, SECTION_COLUMNS),
    (Image, IMAGE_COLUMNS),
)


def public_sql(now, connection, alias="a"):
    """`ArticleQuerySet.public_q()` as SQL on table `alias`: (condition, parameters)."""
    at = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"{alias}.status IN (%s, %s) AND {alias}.published_at <= %s "
        f"AND ({alias}.unpublish_at IS NULL OR {alias}.unpublish_at > %s)"
    )
    return sql, [*PUBLIC_STATUSES, at, at]


def _converters(connection):
    """Per selected column, the converters Django's own queries would apply to it."""
    cached = getattr(connection, "_newsroom_card_converters", None)
    if cached is None:
        cached = []
        for model, columns in _PARTS:
            fields = {f.attname: f for f in model._meta.concrete_fields}
            for column in columns:
                field = fields[column]
                col = Col(model._meta.db_table, field)
                convs = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                cached.append((col, convs))
        connection._newsroom_card_converters = cached
    return cached


def _read(sql, params):
    """Run a card query; the articles, each with its section and lead image attached."""
    db = router.db_for_read(Article)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = _converters(connection)
    set_section = Article.section.field.set_cached_value
    set_image = Article.lead_image.field.set_cached_value
    n_article, n_section = len(ARTICLE_COLUMNS), len(SECTION_COLUMNS)
    cards = []
    for row in rows:
        values = list(row)
        for i, (col, convs) in enumerate(converters):
            for convert in convs:
                values[i] = convert(values[i], col, connection)
        article = Article.from_db(db, ARTICLE_COLUMNS, values[:n_article])
        section = Section.from_db(db, SECTION_COLUMNS, values[n_article : n_article + n_section])
        image_values = values[n_article + n_section :]
        image = None if image_values[0] is None else Image.from_db(db, IMAGE_COLUMNS, image_values)
        set_section(article, section)
        set_image(article, image)
        cards.append(article)
    return cards


class Cards:
    """Live articles as cards, newest first (optionally of one section, tag or author).

    Slice it like a queryset: `Cards(tag=tag)[20:41]` runs one query, walking the live-order
    index (`article_live_order_idx`)."""

    def __init__(self, *, section=None, tag=None, author=None):
        self.conditions, self.params = [], []
        if section is not None:
            self.conditions.append("a.section_id = %s")
            self.params.append(section.pk)
        if tag is not None:
            tagged = TaggedArticle._meta.db_table
            self.conditions.append(
                f"a.id IN (SELECT t.content_object_id FROM {tagged} t WHERE t.tag_id = %s)"  # noqa: S608
            )
            self.params.append(tag.pk)
        if author is not None:
            bylines = Byline._meta.db_table
            self.conditions.append(
                f"a.id IN (SELECT b.article_id FROM {bylines} b WHERE b.author_id = %s)"  # noqa: S608
            )
            self.params.append(author.pk)

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.step or window.start is None:
            raise TypeError("Cards take a slice with a start: cards[start:stop]")
        connection = connections[router.db_for_read(Article)]
        public, params = public_sql(timezone.now(), connection)
        where = " AND ".join([public, *self.conditions])
        sql = (
            f"SELECT {_SELECT} FROM {_FROM} WHERE {where} "  # noqa: S608 (placeholders only)
            "ORDER BY a.published_at DESC, a.id DESC LIMIT %s OFFSET %s"
        )
        return _read(sql, [*params, *self.params, window.stop - window.start, window.start])


def related_cards(article, *, limit=4, candidates=500):
    """Up to `limit` live stories for the foot of `article`: its pinned ones first (in pin
    order), then those sharing the most tags, then the newest. One query.

    `article`'s tags are read from its `filed_tags`, so the number of tags never adds a query.
    The candidates come from the tag index (the union of the `candidates` newest live articles
    sharing a tag, and the pins), so the cost is bounded whatever the size of the archive or
    of a popular tag.
    """
    connection = connections[router.db_for_read(Article)]
    tag_ids = [tag.id for tag in article.ordered_tags]
    tagged, pins = TaggedArticle._meta.db_table, RelatedPin._meta.db_table
    tag_in = ", ".join(["%s"] * len(tag_ids)) or "NULL"
    now = timezone.now()
    public_u, public_u_params = public_sql(now, connection, alias="u")
    public_a, public_a_params = public_sql(now, connection, alias="a")
    # "+ 0": read the tags' rows through the tag index, never by walking the whole table
    # backwards from its newest row (the planner's guess for rare tags). SQLite cannot order
    # or limit inside a UNION, so it takes every sharer (its sites are small).
    sharing = (
        f"SELECT t.content_object_id FROM {tagged} t JOIN {ARTICLES} u "  # noqa: S608
        f"ON u.id = t.content_object_id WHERE t.tag_id IN ({tag_in}) AND {public_u}"
    )
    sharing_params = [*tag_ids, *public_u_params]
    if connection.features.supports_slicing_ordering_in_compound:
        sharing = f"({sharing} ORDER BY t.content_object_id + 0 DESC LIMIT %s)"
        sharing_params.append(candidates)
    pool = f"{sharing} UNION SELECT p.related_id FROM {pins} p WHERE p.article_id = %s"  # noqa: S608
    sql = (
        f"SELECT {_SELECT} FROM {_FROM} "  # noqa: S608 (placeholders only)
        f"LEFT JOIN {pins} pin ON pin.article_id = %s AND pin.related_id = a.id "
        f"WHERE a.id IN ({pool}) AND a.id <> %s AND {public_a} "
        "ORDER BY CASE WHEN pin.position IS NULL THEN 1 ELSE 0 END, pin.position, "
        f"(SELECT COUNT(*) FROM {tagged} t2 WHERE t2.content_object_id = a.id "
        f"AND t2.tag_id IN ({tag_in})) DESC, a.published_at DESC, a.id DESC LIMIT %s"
    )
    params = [
        article.pk, *sharing_params, article.pk, article.pk, *public_a_params, *tag_ids, limit,
    ]  # fmt: skip
    return _read(sql, params)
