"""Surrogate keys and exact purges: the one module every cached surface and state change uses.

Every cacheable reader response carries a `Surrogate-Key` header naming what it shows
(`article-12`, `section-3`, `tag-40`, `author-7`, `home`, `nav`, `adslot-YYYYYYYYYY`,
`ads-txt`, `app-ads-txt`, and `all`).
Views and template tags name what they render with `add_keys(request, …)`; the page cache
middleware (`articles/delivery/middleware.py`) turns the keys into the header and keeps the
page in the application cache. A state change names what it touched with one of the `keys_for_…()`
functions and calls `purge_on_commit(keys)`: after the transaction commits, a task marks the
keys purged in the application cache (pages rendered before that are misses from then on) and
sends `PURGE` with an `xkey-purge` header to every URL in `NEWSROOM_PURGE_URLS` (the shipped
Varnish, or a CDN adapter).

Listings carry the key of every article they show, so changing or taking down an article
purges exactly the listing pages it is on; publishing or unpublishing one also purges the
listings it enters or leaves (everything after it on them moves).

What changes by the clock alone (a publish or unpublish time coming, with or without the
scheduler) is named beside the keys: `changes_at(request, moment, …)` records when something
the response shows goes live or comes down, and the middleware keeps the response (its
`s-maxage`, stale allowances and the application cache's entry) no longer than until the
earliest of those moments.
"""

import logging
import time
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import transaction
from django.tasks import task

logger = logging.getLogger(__name__)

HEADER = "Surrogate-Key"
ALL = "all"
HOME = "home"
NAV = "nav"
ADS_TXT = "ads-txt"  # /ads.txt
APP_ADS_TXT = "app-ads-txt"  # /app-ads.txt
FEEDS = "feeds"  # every RSS/Atom feed
SITEMAPS = "sitemaps"  # the sitemap index and every sitemap, robots.txt excepted
CORRECTIONS = "corrections"  # /corrections/ and its feeds
# Keys purged whenever an article goes live or comes down, besides its own listings:
# the front page, the feeds and the sitemaps that list every article.
EVERY_LISTING = [HOME, FEEDS, SITEMAPS]
PURGED_PREFIX = "purged:"
NAV_MARKUP = "nav:markup"  # the navigation's markup, kept in the cache
REQUEST_ATTR = "_surrogate_keys"
UNTIL_ATTR = "_cache_until"


def article_key(pk) -> str:
    return f"article-{pk}"


def section_key(pk) -> str:
    return f"section-{pk}"


def tag_key(pk) -> str:
    return f"tag-{pk}"


def author_key(pk) -> str:
    return f"author-{pk}"


def slot_key(code) -> str:
    return f"adslot-{code}"


def article_ids(keys) -> list[int]:
    """The articles named by `article_key`s among `keys`."""
    prefix = article_key("")
    return [int(key[len(prefix) :]) for key in keys if key.startswith(prefix)]


def adstxt_key(file) -> str:
    """The key of /ads.txt or /app-ads.txt (`file` is an `AdsTxtFile` value)."""
    return APP_ADS_TXT if file == "app-ads" else ADS_TXT


# --- naming what a response shows ------------------------------------------------------------


def add_keys(request, *keys) -> None:
    """Say that the response to `request` shows `keys` (no-op without a request)."""
    if request is not None:
        request.__dict__.setdefault(REQUEST_ATTR, set()).update(keys)


def response_keys(request) -> list[str]:
    return sorted({ALL, *getattr(request, REQUEST_ATTR, ())})


def changes_at(request, *moments: datetime | None) -> None:
    """Say that what the response to `request` shows changes at these moments (publish and
    unpublish times): no cache keeps it past the earliest one still to come. None and past
    moments are ignored (no-op without a request)."""
    if request is None:
        return
    now = time.time()
    upcoming = [m.timestamp() for m in moments if m is not None and m.timestamp() > now]
    if upcoming:
        current = request.__dict__.get(UNTIL_ATTR)
        request.__dict__[UNTIL_ATTR] = min(upcoming if current is None else [current, *upcoming])


def response_until(request) -> float | None:
    """The earliest recorded change (a Unix time), or None: nothing shown changes by time."""
    return getattr(request, UNTIL_ATTR, None)


# --- what a change touches -------------------------------------------------------------------


def membership_keys(article) -> set[str]:
    """The listings an article is on: its section, tags and authors."""
    from articles.models import Byline, TaggedArticle

    keys = {section_key(article.section_id)} if article.section_id else set()
    keys |= {
        tag_key(pk)
        for pk in TaggedArticle.objects.filter(content_object_id=article.pk).values_list(
            "tag_id", flat=True
        )
    }
    keys |= {
        author_key(pk)
        for pk in Byline.objects.filter(article_id=article.pk).values_list("author_id", flat=True)
    }
    return keys


def keys_for_article(article) -> set[str]:
    """An article going live or coming down: its page and every listing it enters or leaves."""
    return {article_key(article.pk), *EVERY_LISTING, *membership_keys(article)}


def keys_for_edit(article, before: set[str]) -> set[str]:
    """A live article edited: its page (and the listing cards showing it, which carry its key),
    the feeds (their items show it) and sitemaps (its lastmod), plus the listings it joined or
    left (`before` is `membership_keys()` before the edit)."""
    return {article_key(article.pk), FEEDS, SITEMAPS} | (before ^ membership_keys(article))


def _public_article_keys(queryset) -> set[str]:
    from articles.models import Article

    ids = Article.objects.published().filter(pk__in=queryset.values("pk")).values_list("pk")
    return {article_key(pk) for (pk,) in ids}


def keys_for_tag(tag) -> set[str]:
    """A tag renamed, merged or deleted: its page, its feeds and sitemap entry, and every public
    article showing its name."""
    from articles.models import Article

    articles = Article.objects.filter(tagged_items__tag=tag)
    return {tag_key(tag.pk), FEEDS, SITEMAPS} | _public_article_keys(articles)


def keys_for_correction(article) -> set[str]:
    """A correction added: the article's page (and cards), the corrections page and feeds, and
    every feed and sitemap (the article's updated time moves)."""
    return {article_key(article.pk), CORRECTIONS, FEEDS, SITEMAPS}


def keys_for_author(author) -> set[str]:
    """An author renamed or changed: their page, the feeds (bylines) and every public article
    with their byline."""
    from articles.models import Article

    articles = Article.objects.filter(bylines__author=author)
    return {author_key(author.pk), FEEDS} | _public_article_keys(articles)


def keys_for_section(section) -> set[str]:
    """A section changed: the navigation on every page, and the section's own page."""
    return {NAV, section_key(section.pk)}


def keys_for_slot(code) -> set[str]:
    """An ad slot, placement or creative changed: every page that rendered the slot."""
    return {slot_key(code)}


def keys_for_adstxt_line(line) -> set[str]:
    """An ads.txt record or variable added, changed or deleted: the file it is in, and the one
    it was in when an edit moved it (remembered by `ads.purges`)."""
    return {adstxt_key(line.file), *(adstxt_key(f) for f in getattr(line, "_file_before", ()))}


# --- purging ---------------------------------------------------------------------------------


def purge_on_commit(keys) -> None:
    """Purge `keys` once the current transaction commits (through the task framework)."""
    keys = sorted(set(keys))
    if not keys:
        return

    def after_commit():
        # Marked here at once (this process's cache, even without Redis); the task repeats
        # the mark wherever it runs and sends the proxies their PURGE.
        mark_purged(keys)
        purge_keys.enqueue(keys)

    # robust: a queue that is down is logged; it never turns a saved change into an error page.
    transaction.on_commit(after_commit, robust=True)


def purge(keys) -> None:
    """Purge `keys` now: in the application cache and in every configured proxy. Never raises:
    a cache or proxy that is down is logged (its entries expire on their own)."""
    keys = sorted(set(keys))
    if not keys:
        return
    mark_purged(keys)
    for url in settings.NEWSROOM_PURGE_URLS:
        send_purge(url, keys)


def microseconds(at: float | None = None) -> int:
    """A purge mark's time: an int, which Redis keeps as a plain number (no pickling; a page
    hit reads many marks)."""
    return int((time.time() if at is None else at) * 1_000_000)


def mark_purged(keys) -> None:
    """Pages the application cache rendered before now that show any of `keys` are stale."""
    now = microseconds()
    try:
        default_cache.set_many(
            {PURGED_PREFIX + key: now for key in keys}, timeout=settings.NEWSROOM_PURGE_MEMORY
        )
    except Exception:  # the cache being down must not break a publish
        logger.exception("Could not mark %d surrogate keys purged in the cache", len(keys))
    if hasattr(default_cache, "forget_pages"):  # this process's copies of Redis entries
        default_cache.forget_pages()
    if NAV in keys:
        forget_navigation()


def send_purge(url, keys, timeout=5.0) -> bool:
    """One `PURGE` request naming `keys` to the proxy at `url`; False (logged) on failure."""
    if urlsplit(url).scheme not in {"http", "https"}:
        logger.error("Purge URL %r is not http(s); skipped", url)
        return False
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, method="PURGE", headers={"xkey-purge": " ".join(keys)}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
        return True
    except OSError:
        logger.exception("Purge of %d keys at %s failed", len(keys), url)
        return False


# --- purges from model changes outside the article workflow -----------------------------------


def _on_commit_for(key_function):
    def handler(sender, instance, **kwargs):
        purge_on_commit(key_function(instance))

    return handler


def forget_navigation() -> None:
    """Drop the cached navigation (the next page builds it again)."""
    try:
        default_cache.delete(NAV_MARKUP)
    except Exception:
        logger.warning("Cache unavailable; navigation not forgotten", exc_info=True)


def _forgetting_navigation(handler):
    def forget_then(sender, instance, **kwargs):
        forget_navigation()
        handler(sender, instance, **kwargs)

    return forget_then


def purge_on_save(model, key_function, *, forgetting_navigation=False) -> None:
    """Purge `key_function(instance)` after the commit whenever a `model` row is saved or
    deleted (on delete the keys are computed while the rows they come from still exist)."""
    from django.db.models.signals import post_save, pre_delete

    handler = _on_commit_for(key_function)
    if forgetting_navigation:
        handler = _forgetting_navigation(handler)
    uid = f"newsroom-purge-{model._meta.label_lower}"
    post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid)
    pre_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid + "-delete")


def connect_signals() -> None:
    """Purge on saves and deletes of the articles' people and taxonomy (called from apps; the
    ads app connects its own models in `ads/purges.py`)."""
    from articles.models import Author, Section, Tag

    purge_on_save(Section, keys_for_section, forgetting_navigation=True)
    purge_on_save(Author, keys_for_author)
    purge_on_save(Tag, keys_for_tag)


# --- the purge task ---------------------------------------------------------------------------

# Work done after each purge by the capabilities that keep copies derived from what was
# purged (the article pages' kept markup: `articles.pages.markup.keep_purged`, registered by
# `articles/apps.py`). Each gets the purged keys; a failure is logged, the purge stands.
_after_purge = []


def after_purge(function) -> None:
    """Run `function(keys)` after every purge the task makes."""
    if function not in _after_purge:
        _after_purge.append(function)


@task
def purge_keys(keys: list[str]) -> None:
    """Purge surrogate keys in the application cache and every configured proxy, then let the
    `after_purge` functions refresh what they keep for the next reader."""
    purge(keys)
    for function in _after_purge:
        try:
            function(keys)
        except Exception:  # the purge is done; what is kept is rendered on demand if need be
            logger.exception("After the purge, %s failed", function.__qualname__)
