"""The article page's own markup: rendered when the article changes, kept, and reused by every
request until something it shows changes.

Most of an uncached article page's work depended on the saved article alone: its header
(section, headline, dateline, byline, standfirst), lead image, corrections and tags, and the
head's canonical link, social cards and JSON-LD. `render()` builds those parts from the
templates in `articles/_article_parts.html` and `seo.article_head()`; `ArticleMarkup` keeps
them. The ads, related stories, navigation and preview banner stay live on every request.

A page trusts kept parts only when they were rendered from what it would render them from
now: `digest()` hashes the stored version of the article's page row, its section's and its
lead image's (`reads.Shape.digest_sql`, read by the one query of `reads.article_for_page`:
on PostgreSQL each row's id, `xmin` and `ctid`), the publication's settings, the
time zone, language and address prefix, the settings that shape addresses and media URLs,
and the source of the code and templates that render the parts. Whatever changes one of
those (an edit, a correction, a tag or author renamed into the row's derived lists, a
rendition made, a deploy) gives a new digest, so nothing stale is ever shown; the page then
renders the parts and keeps them (`for_page`). After a change commits, the purge task renders
the purged articles' parts at once (`keep_current`), so readers rarely meet the first render.

Cards work the same way (`cards()`): listings, the home page and related stories read each
card's kept markup with its row, and a card whose digest (its smaller row, the code, the
locale) moved is rendered, in both heading levels, and kept in one write for the page.

Only a public article's parts are kept; previews and share links always render afresh.
"""

import functools
import hashlib
import logging
from pathlib import Path

import django
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, transaction
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from articles import addresses
from articles.delivery import cache
from articles.distribution import seo
from articles.pages.html import card, head_markup
from articles.pages.models import ArticleMarkup
from articles.pages.reads import article_for_page, cards_for
from articles.publication import get_publication, publication_time

logger = logging.getLogger(__name__)

TEMPLATE = "articles/_article_parts.html"
TEMPLATE_PARTS = tuple(name for name in ArticleMarkup.PARTS if name != "head")  # + the head
# Settings the parts' addresses, media URLs, dates and wording depend on: only those, so that
# servers and workers whose other settings differ (the page cache on or off) agree on digests.
SETTINGS = (
    "FORCE_SCRIPT_NAME", "LANGUAGE_CODE", "MEDIA_URL", "NEWSROOM_BASE_URL", "NEWSROOM_LANGUAGE",
    "NEWSROOM_SITE_NAME", "ROOT_URLCONF", "STATIC_URL", "STORAGES", "TIME_ZONE", "USE_I18N",
    "USE_TZ",
)  # fmt: skip


def render(article, *, is_preview=False) -> dict[str, SafeString]:
    """The article's parts, rendered now (in the request's time zone and language)."""
    context = {"article": article, "publication": get_publication()}
    parts = {name: get_template(f"{TEMPLATE}#{name}").render(context) for name in TEMPLATE_PARTS}
    parts["head"] = head_markup(seo.article_head(article, is_preview=is_preview))
    return parts


def for_page(article) -> dict[str, SafeString]:
    """A public article's parts for its page: the kept ones when their digest is current, else
    rendered now and kept."""
    current = digest(article)
    kept = getattr(article, "kept_markup", None)
    if kept is not None and kept.digest == current:
        return {name: mark_safe(getattr(kept, name)) for name in ArticleMarkup.PARTS}  # noqa: S308
    parts = render(article)
    keep(article.pk, current, parts)
    return parts


def keep(article_id, digest_, parts) -> None:
    """Keep `parts` as article `article_id`'s markup (insert or replace). A failure (the
    article deleted meanwhile, a read-only database) is logged; the page is served anyway."""
    row = ArticleMarkup(article_id=article_id, digest=digest_, **parts)
    _upsert([row], ["digest", *ArticleMarkup.PARTS])


def _upsert(rows, fields) -> None:
    """Insert `rows`, or replace `fields` of those that exist (the page's parts and the cards
    are kept apart, neither overwriting the other)."""
    try:
        with transaction.atomic():
            ArticleMarkup.objects.bulk_create(
                sorted(rows, key=lambda row: row.article_id),  # one lock order for all writers
                update_conflicts=True,
                unique_fields=["article"],
                update_fields=[*fields, "rendered_at"],
            )
    except DatabaseError:
        ids = ", ".join(str(row.article_id) for row in rows)
        logger.warning("Could not keep the markup of article(s) %s", ids, exc_info=True)


def keep_purged(keys) -> int:
    """After a purge: keep the markup of the purged articles afresh (`cache.after_purge`)."""
    return keep_current(cache.article_ids(keys))


def keep_current(article_ids) -> int:
    """Render and keep the page parts and the card of those of `article_ids` that are public
    and whose kept markup is missing or out of date, in the readers' time zone and language
    (the purge task calls this once a change commits; `manage.py render_markup` for every
    live article). Returns how many pages were rendered."""
    rendered, public = 0, []
    with publication_time():
        for article_id in sorted(set(article_ids)):
            article = article_for_page(pk=article_id)
            if article is None or not article.is_public:
                continue
            public.append(article.pk)
            current = digest(article)
            kept = article.kept_markup
            if kept is None or kept.digest != current:
                keep(article.pk, current, render(article))
                rendered += 1
        if public:  # rendered and kept (both levels) where out of date, in one write
            cards(cards_for(public), level=3, here=addresses.here())
    return rendered


def cards(articles, *, level, here) -> list[str]:
    """Each of `articles`' card (`{% card %}` at `level` 2 or 3, from `reads`' card queries):
    the kept one while its digest is current; the others rendered now, in both levels, and
    kept in one write."""
    context = _code_and_settings() + _here_values(here)
    column = ArticleMarkup.CARDS[level]
    out, stale = [], []
    for article in articles:
        row = getattr(article, "row_digest", None)
        if row is None:  # not from a card query: nothing to compare with
            out.append(card(article, level=level, here=here))
            continue
        current = hashlib.blake2b(context + row.encode(), digest_size=20).hexdigest()
        kept = article.kept_markup
        # (a card read at another level has this one deferred: rendered, never queried)
        if kept is not None and kept.card_digest == current and column in kept.__dict__:
            out.append(kept.__dict__[column])
            continue
        made = {name: card(article, level=n, here=here) for n, name in ArticleMarkup.CARDS.items()}
        stale.append(ArticleMarkup(article_id=article.pk, card_digest=current, **made))
        out.append(made[column])
    if stale:
        _upsert(stale, ["card_digest", *ArticleMarkup.CARDS.values()])
    return out


def digest(article) -> str:
    """What the article's parts would be rendered from now, hashed (see the module docstring):
    `article` comes from `reads.article_for_page`, with its row's digest from the database."""
    hasher = hashlib.blake2b(_code_and_settings(), digest_size=20)
    hasher.update(article.row_digest.encode())
    hasher.update(_here_values(addresses.here()))
    hasher.update(_publication_values(get_publication()))
    return hasher.hexdigest()


def _here_values(here) -> bytes:
    """The address prefix, URLconf, time zone and language a page is rendered for."""
    urlconf = here.urlconf or settings.ROOT_URLCONF  # None outside a request: the default
    return repr((urlconf, here.prefix, str(here.tz), here.language)).encode()


def _publication_values(publication) -> bytes:
    """The publication's settings, as bytes, worked out once per fetched instance."""
    found = publication.__dict__.get("_markup_values")
    if found is None:
        found = repr([f.value_from_object(publication) for f in publication._meta.fields])
        found = publication.__dict__["_markup_values"] = found.encode()
    return found


@functools.cache
def _code_and_settings() -> bytes:
    """The code and templates that render the parts, Django's version and the settings they
    read, hashed once per process (a deploy or a changed setting renders every part afresh)."""
    hasher = hashlib.blake2b(django.get_version().encode(), digest_size=32)
    root = Path(settings.BASE_DIR)
    sources = [
        *sorted((root / "articles").rglob("*.py")),
        *sorted((root / "templates" / "articles").rglob("*.html")),
        *sorted((root / "templates" / "includes").rglob("*.html")),
        root / "newsroom" / "urls.py",
    ]
    for path in sources:
        if path.is_file() and "migrations" not in path.parts:
            hasher.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    hasher.update(repr([(name, getattr(settings, name, None)) for name in SETTINGS]).encode())
    return hasher.digest()


def _forget(**kwargs):
    _code_and_settings.cache_clear()


setting_changed.connect(_forget, dispatch_uid="articles-markup-forget")
