"""What the reader pages read, in plain SQL: the article, its listings' cards, related stories.

Profiled on uncached pages, Django composing these queries (three or four tables' columns with
deferrals, the public rule, the order, the related-stories ranking) cost more CPU than running
them and building the page together. Here each query is written once; its rows become ordinary
`Article`, `Section`, `Image` and `Sponsorship` instances through `Model.from_db()` (with each
field's own database converters, deferred to the columns read), so views and templates keep
using the models' methods.

The public rule comes from `ArticleQuerySet.public_sql()`, written beside `public_q()`;
tests/articles/pages/test_reads.py holds the two to the same answer on every status and time
combination.
"""

from django.db import connections, router
from django.db.models import Min
from django.db.models.base import ModelState
from django.db.models.expressions import Col
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from articles.media.models import Image
from articles.models import (
    Article,
    ArticleQuerySet,
    Author,
    Byline,
    RelatedPin,
    Section,
    Tag,
    TaggedArticle,
)
from articles.models.articles import PUBLIC_STATUSES
from articles.pages.models import ArticleMarkup

ARTICLES = Article._meta.db_table
# The ads app's sponsorship of an article (its one-to-one to `Article`), reached through the
# relation as `select_related("sponsorship")` would: the articles never import the ads app.
Sponsorship = Article.sponsorship.related.related_model
public_sql = ArticleQuerySet.public_sql


def model_columns(model, exclude=()):
    """Every concrete column's attname of `model` (for a `Shape`), but `exclude`."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname not in exclude)


class Shape:
    """The columns one query selects, model by model (`alias`, model, attnames), and how its
    rows become instances: the first model's, with the others attached to it (None for a
    missing LEFT JOIN row). The ads' page queries use it too (ads/services.py)."""

    def __init__(self, *parts):
        self.parts = parts
        self.select = ", ".join(
            f"{alias}.{model._meta.get_field(name).column}"
            for alias, model, names in parts
            for name in names
        )
        self._converters = {}

    def converters(self, connection):
        """(column index, column, converter) for each converter Django's own queries would
        apply to a selected column."""
        found = self._converters.get(connection.alias)
        if found is None:
            found, index = [], 0
            for _, model, names in self.parts:
                for name in names:
                    field = model._meta.get_field(name)
                    col = Col(model._meta.db_table, field)
                    convs = [
                        *connection.ops.get_db_converters(col),
                        *field.get_db_converters(connection),
                    ]
                    found += [(index, col, convert) for convert in convs]
                    index += 1
            self._converters[connection.alias] = found
        return found

    def read(self, sql, params, attach=None):
        """Run `sql`; per row, the first model's instance with `attach(first, *others)` done
        (when given), and the row's extra columns (past the shape's) as a list."""
        db = router.db_for_read(self.parts[0][1])
        connection = connections[db]
        with reader_cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        converters = self.converters(connection)
        makers = [(instance_maker(model), names) for _, model, names in self.parts]
        out = []
        for row in rows:
            values = list(row)
            for i, col, convert in converters:
                values[i] = convert(values[i], col, connection)
            instances, start = [], 0
            for make, names in makers:
                chunk = values[start : start + len(names)]
                start += len(names)
                instances.append(None if chunk[0] is None else make(db, names, chunk))
            if attach is not None:
                attach(*instances)
            out.append((instances[0], values[start:]))
        return out

    def digest_sql(self, connection, models=3) -> str:
        """SQL naming the stored version of the rows of the shape's first `models` models, for
        articles/pages/markup.py to tell whether markup rendered from them is still current.

        PostgreSQL: each row's id, `xmin` and `ctid`, read for free. Every UPDATE writes a new
        version of the row, by another transaction (`xmin`) or, within one, at another place
        (`ctid`), so a pair names one version. Elsewhere (SQLite): the MD5 of every selected
        column (`quote()` tells NULL from empty)."""
        if connection.vendor == "postgresql":
            versions = [
                f"{alias}.{model._meta.pk.column}, {alias}.xmin, {alias}.ctid"
                for alias, model, _ in self.parts[:models]
            ]
            return f"ROW({', '.join(versions)})::text"
        columns = [
            f"quote({alias}.{model._meta.get_field(name).column})"
            for alias, model, names in self.parts[:models]
            for name in names
        ]
        return f"MD5({' || char(31) || '.join(columns)})"


def reader_cursor(connection):
    """A cursor for the reader pages' fixed queries, wrapped by Django as usual (counted by
    `assertNumQueries`, logged, errors translated).

    On PostgreSQL it binds parameters on the server, so psycopg prepares each query after
    `DATABASE_PREPARE_THRESHOLD` runs on a connection and PostgreSQL stops planning it on
    every request. Django's own cursors keep client-side binding (never prepared)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    with connection.wrap_database_errors:
        # What `connection.cursor()` does, with the server-binding class. The connection's
        # time zone is UTC (USE_TZ), which Django's create_cursor() would otherwise set here.
        return connection._prepare_cursor(ServerBindingCursor(connection.connection))


def instance_maker(model):
    """How a row's values become a `model` instance: `Model.from_db()`, or, when nothing
    listens to the model's `pre_init` / `post_init` signals, the instance `from_db()` would
    make, built without `Model.__init__` (a third of a listing's reading cost).

    `from_db()` sets each read column with `setattr` on a fresh instance and leaves the
    others out (deferred); for a fresh instance that is the same as filling `__dict__`, since
    the fields' descriptors store plain values there. tests/articles/pages/test_reads.py holds the
    two to the same instances."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db
    new_instance = model.__new__

    def make(db, names, values):
        instance = new_instance(model)
        instance._state = state = ModelState()
        state.adding = False
        state.db = db
        instance.__dict__.update(zip(names, values, strict=True))
        return instance

    return make


def in_sql(column, values, connection):
    """`column` is one of `values`: (condition, parameters). On PostgreSQL one array parameter
    (`= ANY(%s)`), so thirty tags do not make thirty placeholders for the driver to parse."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


_set_section = Article.section.field.set_cached_value
_set_image = Article.lead_image.field.set_cached_value
_set_sponsorship = Article.sponsorship.related.set_cached_value


def _attach_card(article, section, image, sponsorship, markup):
    _set_section(article, section)
    _set_image(article, image)
    _set_sponsorship(article, sponsorship)
    article.kept_markup = markup


_attach_page = _attach_card


# What a card shows (the rest of the row stays in the database, deferred), with its kept
# markup at one heading level (`<h3>` on the home page and under articles, `<h2>` on listings).
CARD_COLUMNS = (
    ("a", Article, (
        "id", "headline", "slug", "standfirst", "credit_list", "lead_image_id", "section_id",
        "status", "published_at", "unpublish_at",
    )),
    ("s", Section, ("id", "name", "slug")),
    ("i", Image, ("id", "file", "width", "height", "alt_text", "focal_x", "focal_y", "renditions")),
    # A sponsored story says so wherever its card appears.
    ("sp", Sponsorship, ("id", "article_id", "sponsor_name", "label")),
)  # fmt: skip
# The rows a card (and the article page) is rendered from: article, section, lead image and
# sponsorship (their stored versions make the kept markup's digest, articles/pages/markup.py).
RENDERED_FROM = 4
CARDS_AT = {
    level: Shape(*CARD_COLUMNS, ("m", ArticleMarkup, ("article_id", "card_digest", column)))
    for level, column in ArticleMarkup.CARDS.items()
}
_CARD_FROM = (
    f"{ARTICLES} a JOIN {Section._meta.db_table} s ON s.id = a.section_id "
    f"LEFT JOIN {Image._meta.db_table} i ON i.id = a.lead_image_id"
)
_SPONSOR_JOIN = f"LEFT JOIN {Sponsorship._meta.db_table} sp ON sp.article_id = a.id"
_MARKUP_JOIN = f"LEFT JOIN {ArticleMarkup._meta.db_table} m ON m.article_id = a.id"
_CARDS_FROM = f"{_CARD_FROM} {_SPONSOR_JOIN} {_MARKUP_JOIN}"
# The article page: every column but the search vector, with section, lead image, sponsorship
# and the article's kept markup (its row digest covers the first three, articles/pages/markup.py).
PAGE = Shape(
    ("a", Article, model_columns(Article, exclude=("search_vector",))),
    ("s", Section, model_columns(Section)),
    ("i", Image, model_columns(Image)),
    ("sp", Sponsorship, model_columns(Sponsorship)),
    ("m", ArticleMarkup, ("article_id", "digest", *ArticleMarkup.PARTS)),
)


def article_for_page(slug=None, *, pk=None):
    """The article at `slug` (or with `pk`; whatever its status) for its page, `is_public` set
    by the public rule and `kept_markup` to its `ArticleMarkup` (or None), or None. One
    query."""
    connection = connections[router.db_for_read(Article)]
    public, params = public_sql(timezone.now(), connection)
    where, value = ("a.slug = %s", slug) if pk is None else ("a.id = %s", pk)
    sql = (
        f"SELECT {PAGE.select}, {public}, {PAGE.digest_sql(connection, RENDERED_FROM)} "  # noqa: S608
        f"FROM {_CARDS_FROM} WHERE {where} ORDER BY a.id LIMIT 1"
    )
    for article, (is_public, digest) in PAGE.read(sql, [*params, value], _attach_page):
        article.is_public = bool(is_public)
        article.row_digest = digest
        return article
    return None


# The content API's articles: the row (without the search vector; a list leaves the body
# out too) with section, lead image and sponsorship, no kept markup (articles/api/).
_API_FROM = f"{_CARD_FROM} {_SPONSOR_JOIN}"
_API_JOINED = (
    ("s", Section, model_columns(Section)),
    ("i", Image, model_columns(Image)),
    ("sp", Sponsorship, model_columns(Sponsorship)),
)
API_ARTICLE = Shape(
    ("a", Article, model_columns(Article, exclude=("search_vector",))), *_API_JOINED
)
API_SUMMARY = Shape(
    ("a", Article, model_columns(Article, exclude=("search_vector", "body", "body_blocks"))),
    *_API_JOINED,
)


def _attach_joined(article, section, image, sponsorship):
    _set_section(article, section)
    _set_image(article, image)
    _set_sponsorship(article, sponsorship)


def digests_by_ids(ids) -> dict:
    """{id: row digest} for these articles (`articles_by_ids`' digest, without reading the
    rows): what a caller that keeps encodings of them asks first."""
    ids = list(ids)
    if not ids:
        return {}
    connection = connections[router.db_for_read(Article)]
    condition, params = in_sql("a.id", ids, connection)
    digest = API_SUMMARY.digest_sql(connection, RENDERED_FROM)
    sql = f"SELECT a.id, {digest} FROM {_API_FROM} WHERE {condition}"  # noqa: S608
    with reader_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def articles_by_ids(ids, *, with_body=True) -> list:
    """The articles with these ids (whatever their status: the caller chose them), in this
    order, section, lead image and sponsorship attached, each with `row_digest` naming the
    version of those rows (as for kept markup); with `with_body=False` the body is left
    deferred. One prepared query (the content API's pages)."""
    ids = list(ids)
    if not ids:
        return []
    connection = connections[router.db_for_read(Article)]
    shape = API_ARTICLE if with_body else API_SUMMARY
    condition, params = in_sql("a.id", ids, connection)
    digest = shape.digest_sql(connection, RENDERED_FROM)
    sql = f"SELECT {shape.select}, {digest} FROM {_API_FROM} WHERE {condition}"  # noqa: S608
    found = {}
    for article, (row_digest,) in shape.read(sql, params, _attach_joined):
        article.row_digest = row_digest
        found[article.pk] = article
    return [found[pk] for pk in ids if pk in found]


def _card_select(connection, level):
    """The card columns and the card row's digest (`markup.cards` compares it)."""
    shape = CARDS_AT[level]
    return f"{shape.select}, {shape.digest_sql(connection, RENDERED_FROM)}"


def _cards(sql, params, level):
    """The cards of `sql` (its columns from `_card_select`), each with its `kept_markup` and
    `row_digest`."""
    cards = []
    for article, (digest,) in CARDS_AT[level].read(sql, params, _attach_card):
        article.row_digest = digest
        cards.append(article)
    return cards


# A listing's own row: a section, a tag, or an author with their photo.
SECTION = Shape(("s", Section, model_columns(Section)))
TAG = Shape(("t", Tag, model_columns(Tag)))
AUTHOR = Shape(("au", Author, model_columns(Author)), ("i", Image, model_columns(Image)))
_set_photo = Author.photo.field.set_cached_value


def _by_slug(shape, table_sql, slug, attach=None, filed=None):
    """The row at `slug`; with `filed` (the filing table and its key column), only if a live
    article is filed under it: a tag or an author that only drafts carry does not exist for
    readers (the filing rows carry their article's status and times, `ArticleStateCopy`)."""
    alias = shape.parts[0][0]
    sql = f"SELECT {shape.select} FROM {table_sql} WHERE {alias}.slug = %s"  # noqa: S608
    params = [slug]
    if filed is not None:
        table, key = filed
        connection = connections[router.db_for_read(Article)]
        public, public_params = public_sql(timezone.now(), connection, alias="f")
        sql += (
            f" AND EXISTS (SELECT 1 FROM {table} f "  # noqa: S608 (placeholders only)
            f"WHERE f.{key} = {alias}.id AND {public})"
        )
        params += public_params
    for found, _ in shape.read(sql, params, attach):
        return found
    return None


def section_by_slug(slug):
    """The section at `slug`, or None. One query (prepared, like the others here)."""
    return _by_slug(SECTION, f"{Section._meta.db_table} s", slug)


def tag_by_slug(slug):
    """The tag at `slug` if a live article carries it, or None. One query."""
    return _by_slug(
        TAG, f"{Tag._meta.db_table} t", slug, filed=(TaggedArticle._meta.db_table, "tag_id")
    )


def author_by_slug(slug):
    """The author at `slug` with their photo, if they have a live byline, or None. One query."""
    tables = f"{Author._meta.db_table} au LEFT JOIN {Image._meta.db_table} i ON i.id = au.photo_id"
    return _by_slug(AUTHOR, tables, slug, _set_photo, filed=(Byline._meta.db_table, "author_id"))


def cards_for(article_ids, level=3):
    """The cards of these articles (whatever their status), by id. One query."""
    connection = connections[router.db_for_read(Article)]
    condition, params = in_sql("a.id", article_ids, connection)
    sql = (
        f"SELECT {_card_select(connection, level)} FROM {_CARDS_FROM} "  # noqa: S608
        f"WHERE {condition} ORDER BY a.id"
    )
    return _cards(sql, params, level)


class Cards:
    """Live articles as cards, newest first (all of them, or one section's, tag's or author's).

    Slice it like a queryset: `Cards(tag=tag)[20:41]` runs one query. All articles and a
    section walk the article's live-order indexes (`article_live_order_idx`,
    `article_section_pub_idx`); a tag or an author walks its own filing rows
    (`tagged_live_order_idx`, `byline_live_order_idx`: they carry the article's status and
    times), so none reads more rows than the page needs."""

    def __init__(self, *, section=None, tag=None, author=None, level=3):
        if sum(x is not None for x in (section, tag, author)) > 1:
            raise TypeError("Cards list one section, tag or author at a time")
        self.section, self.tag, self.author = section, tag, author
        self.level = level  # the heading level of the kept cards read with them

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.step or None in (window.start, window.stop):
            raise TypeError("Cards take a window: cards[start:stop]")
        connection = connections[router.db_for_read(Article)]
        now = timezone.now()
        public, params = public_sql(now, connection)
        order = "ORDER BY a.published_at DESC, a.id DESC"
        limit = [window.stop - window.start, window.start]
        filed = self._filed()
        if filed is not None:  # the page's ids from the tag's or author's own rows, then cards
            table, key, article, value = filed
            public_t, params_t = public_sql(now, connection, alias="t")
            page = (
                f"SELECT t.{article} FROM {table} t "  # noqa: S608 (placeholders only)
                f"WHERE t.{key} = %s AND {public_t} "
                f"ORDER BY t.published_at DESC, t.{article} DESC LIMIT %s OFFSET %s"
            )
            sql = (
                f"SELECT {_card_select(connection, self.level)} FROM {_CARDS_FROM} "  # noqa: S608
                f"WHERE a.id IN ({page}) AND {public} {order}"
            )
            return _cards(sql, [value, *params_t, *limit, *params], self.level)
        # The page's ids first, then their cards: nothing past the ids (joins, the digest) is
        # worked out for the rows a deep page skips.
        public_p, params_p = public_sql(now, connection, alias="p")
        where, extra = public_p, []
        if self.section is not None:
            where += " AND p.section_id = %s"
            extra.append(self.section.pk)
        page = (
            f"SELECT p.id FROM {ARTICLES} p WHERE {where} "  # noqa: S608 (placeholders only)
            "ORDER BY p.published_at DESC, p.id DESC LIMIT %s OFFSET %s"
        )
        select = _card_select(connection, self.level)
        sql = f"SELECT {select} FROM {_CARDS_FROM} WHERE a.id IN ({page}) {order}"  # noqa: S608
        return _cards(sql, [*params_p, *extra, *limit], self.level)

    def next_publish_at(self):
        """When the next article joins the listing by the clock (None: none is waiting). One
        query, on the same live-order index as the page (a tag's or author's filing rows)."""
        now = timezone.now()
        filed = {"tag": self.tag, "author": self.author}
        model = {"tag": TaggedArticle, "author": Byline}
        for name, value in filed.items():
            if value is not None:
                rows = model[name].objects.filter(
                    **{name: value}, status__in=PUBLIC_STATUSES, published_at__gt=now
                )
                return rows.aggregate(at=Min("published_at"))["at"]
        articles = Article.objects.all()
        if self.section is not None:
            articles = articles.filter(section=self.section)
        return articles.next_publish_at(now)

    def _filed(self):
        """(table, its key column, its article column, the key) of the rows that file the
        listing's articles (`ArticleStateCopy`), for a tag or an author; else None."""
        if self.tag is not None:
            return TaggedArticle._meta.db_table, "tag_id", "content_object_id", self.tag.pk
        if self.author is not None:
            return Byline._meta.db_table, "author_id", "article_id", self.author.pk
        return None


def related_cards(article, *, limit=4, candidates=500, level=3):
    """Up to `limit` live stories for the foot of `article`: its pinned ones first (in pin
    order), then those sharing the most tags, then the newest. One query.

    `article`'s tags are read from its `filed_tags`, so the number of tags never adds a query.
    The candidates come from the tag index (the union of the `candidates` newest live articles
    sharing a tag, and the pins), so the cost is bounded whatever the size of the archive or
    of a popular tag.
    """
    connection = connections[router.db_for_read(Article)]
    tag_ids = article.tag_ids
    tagged, pins = TaggedArticle._meta.db_table, RelatedPin._meta.db_table
    shares, share_params = in_sql("t.tag_id", tag_ids, connection)
    counted, counted_params = in_sql("t2.tag_id", tag_ids, connection)
    now = timezone.now()
    public_u, public_u_params = public_sql(now, connection, alias="u")
    public_r, public_r_params = public_sql(now, connection, alias="r")
    # "+ 0": read the tags' rows through the tag index, never by walking the whole table
    # backwards from its newest row (the planner's guess for rare tags). SQLite cannot order
    # or limit inside a UNION, so it takes every sharer (its sites are small).
    sharing = (
        f"SELECT t.content_object_id FROM {tagged} t JOIN {ARTICLES} u "  # noqa: S608
        f"ON u.id = t.content_object_id WHERE {shares} AND {public_u}"
    )
    sharing_params = [*share_params, *public_u_params]
    if connection.features.supports_slicing_ordering_in_compound:
        sharing = f"({sharing} ORDER BY t.content_object_id + 0 DESC LIMIT %s)"
        sharing_params.append(candidates)
    pool = f"{sharing} UNION SELECT p.related_id FROM {pins} p WHERE p.article_id = %s"  # noqa: S608
    # The `limit` chosen with their ranking keys, then their cards in the same order (the
    # cards' digest is worked out for those alone, never for every candidate).
    top = (
        "SELECT r.id, CASE WHEN pin.position IS NULL THEN 1 ELSE 0 END AS unpinned, "  # noqa: S608
        f"pin.position AS pinned_at, (SELECT COUNT(*) FROM {tagged} t2 "
        f"WHERE t2.content_object_id = r.id AND {counted}) AS shared "
        f"FROM {ARTICLES} r LEFT JOIN {pins} pin ON pin.article_id = %s AND pin.related_id = r.id "
        f"WHERE r.id IN ({pool}) AND r.id <> %s AND {public_r} "
        "ORDER BY unpinned, pinned_at, shared DESC, r.published_at DESC, r.id DESC LIMIT %s"
    )
    sql = (
        f"SELECT {_card_select(connection, level)} FROM {_CARDS_FROM} "  # noqa: S608
        f"JOIN ({top}) top ON top.id = a.id "
        "ORDER BY top.unpinned, top.pinned_at, top.shared DESC, a.published_at DESC, a.id DESC"
    )
    params = [
        *counted_params, article.pk, *sharing_params, article.pk, article.pk, *public_r_params,
        limit,
    ]  # fmt: skip
    return _cards(sql, params, level)
