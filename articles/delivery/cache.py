"""Surrogate keys and exact purges: the one module every cached surface and state change uses.

Every cacheable reader response carries a `Surrogate-Key` header naming what it shows
(`article-12`, `section-3`, `tag-40`, `author-7`, `home`, `nav`, `adslot-YYYYYYYYYY`,
`ads-txt`, `app-ads-txt`, and `all`).
Views and template tags name what they render with `add_keys(request, …)`; the page cache
middleware (`articles/delivery/middleware.py`) turns the keys into the header and keeps the
page in the application cache. A state change names what it touched with one of the `keys_for_…()`
functions and calls `purge_on_commit(keys)`: the moment the transaction commits, the keys are
marked purged in the application cache (pages rendered before that are misses from then on)
and `PURGE` with an `xkey-purge` header goes to every URL in `NEWSROOM_PURGE_URLS` (the shipped
Varnish, or a CDN adapter) with a short timeout; the queued `purge_keys` task then refreshes
what is kept for the next reader and retries, with backoff, any proxy that did not answer.

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

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import transaction
from django.tasks import task

from articles.background.retries import retried

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
# The longest a copy of database rows is kept by the cache without a purge reaching it: with
# the local-memory cache (no REDIS_URL) each process has its own copy, which another process's
# purge never reaches.
LOCAL_COPY_SECONDS = 60
REQUEST_ATTR = "_surrogate_keys"
UNTIL_ATTR = "_cache_until"
KEEP_ATTR = "_cache_keep"


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


def keep_for(request, s_maxage: int, stale: int) -> None:
    """Say that shared caches keep the response to `request` only `s_maxage` seconds and
    serve it `stale` seconds more while they fetch it again, instead of the settings (the
    live poll: about its interval, purged on every change anyway). No-op without a request."""
    if request is not None:
        request.__dict__[KEEP_ATTR] = (s_maxage, stale)


def response_keep(request) -> tuple[int, int] | None:
    """The view's own (s-maxage, stale-while-revalidate), or None: the settings."""
    return getattr(request, KEEP_ATTR, None)


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


def keys_for_image(image) -> set[str]:
    """A library image changed (alt text, caption, credit, focal point, file, renditions):
    every page showing it. The public articles it leads (their pages and cards, the feeds'
    enclosures, the sitemaps' image entries), those whose body embeds its file, and the
    pages of the authors it portrays."""
    from articles.models import Article, Author

    keys = _public_article_keys(Article.objects.filter(lead_image_id=image.pk))
    if image.file:  # a body may show the library's file by its address
        keys |= _public_article_keys(Article.objects.filter(body__contains=image.file.name))
    if keys:
        keys |= {FEEDS, SITEMAPS}
    authors = Author.objects.filter(photo_id=image.pk).values_list("pk", flat=True)
    return keys | {author_key(pk) for pk in authors}


def keys_for_byline(byline) -> set[str]:
    """An author put on or taken off a public article: its page and cards, the author's page,
    the feeds (bylines) and the authors' sitemap."""
    from articles.models import Article

    keys = _public_article_keys(Article.objects.filter(pk=byline.article_id))
    return keys | {author_key(byline.author_id), FEEDS, SITEMAPS} if keys else set()


def keys_for_filing(tagged) -> set[str]:
    """A tag put on or taken off a public article: its page and cards, the tag's page, the
    feeds (categories) and the tags' sitemap."""
    from articles.models import Article

    keys = _public_article_keys(Article.objects.filter(pk=tagged.content_object_id))
    return keys | {tag_key(tagged.tag_id), FEEDS, SITEMAPS} if keys else set()


def keys_for_pin(pin) -> set[str]:
    """An editor's related-story pin: the page it is pinned under."""
    from articles.models import Article

    return _public_article_keys(Article.objects.filter(pk=pin.article_id))


def keys_for_note(correction) -> set[str]:
    """A correction or update saved or deleted anywhere (admin, shell): as one added."""
    return keys_for_correction(correction.article)


def keys_for_publication(publication) -> set[str]:
    """The publication's settings: every page shows them (name, address, language, zone)."""
    return {ALL}


def keys_for_slot(code) -> set[str]:
    """An ad slot, placement or creative changed: every page that rendered the slot."""
    return {slot_key(code)}


def keys_for_adstxt_line(line) -> set[str]:
    """An ads.txt record or variable added, changed or deleted: the file it is in, and the one
    it was in when an edit moved it (remembered by `ads.purges`)."""
    return {adstxt_key(line.file), *(adstxt_key(f) for f in getattr(line, "_file_before", ()))}


# --- purging ---------------------------------------------------------------------------------


# The on-commit list this thread's transaction last registered a purge in: when the commit
# runs the first purge, the others of that commit are still in it.
_pending = Local()


class _Purge:
    """The keys one change named, sent when its transaction commits. At a real commit the
    first purge to run sends the keys of every purge of that commit still waiting (each key at
    most once per commit, usually one request); the others then have nothing left to send."""

    def __init__(self, keys: set[str]):
        self.keys = keys
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        keys = set(self.keys)
        if not transaction.get_connection().in_atomic_block:
            for _, callback, _ in getattr(_pending, "queue", ()):
                if isinstance(callback, _Purge) and not callback.done:
                    keys |= callback.keys
                    callback.done = True
        _pending.queue = ()
        purge_now(sorted(keys))


def purge_on_commit(keys) -> None:
    """Purge `keys` the moment the current transaction commits: the application cache's marks
    and one `PURGE` per proxy, sent from the committing process with a short timeout; the
    queued task then refreshes what is kept (`after_purge`) and retries any proxy that failed.
    """
    keys = set(keys)
    if not keys:
        return
    _pending.queue = transaction.get_connection().run_on_commit
    # robust: a proxy or queue that is down is logged; it never turns a saved change into an
    # error page. Outside a transaction this runs at once.
    transaction.on_commit(_Purge(keys), robust=True)


def purge_now(keys: list[str]) -> None:
    """At the commit: marks and proxies (short timeout), then the queued task (the refresh of
    what is kept, and the retry of any proxy that failed)."""
    if not keys:
        return
    failed = purge(keys, timeout=settings.NEWSROOM_PURGE_TIMEOUT)
    purge_keys.enqueue(keys=keys, proxies=failed)


def purge(keys, proxies=None, timeout=5.0) -> list[str]:
    """Purge `keys` now: in the application cache and in `proxies` (None: every configured
    proxy). Never raises: a cache or proxy that is down is logged; the proxies that did not
    take the purge are returned."""
    keys = sorted(set(keys))
    if not keys:
        return []
    mark_purged(keys)
    urls = settings.NEWSROOM_PURGE_URLS if proxies is None else proxies
    return [url for url in urls if not send_purge(url, keys, timeout)]


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


def _on_commit_for(key_function, shown_when_new=True):
    def handler(sender, instance, created=False, **kwargs):
        if created and not shown_when_new:
            return
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


# Every model with a purge rule, and its handlers for saves and deletes:
# tests/articles/delivery/test_purge_rules.py holds every model of the articles and ads apps
# to having one, or to a reason it never reaches a public page.
PURGE_RULES: dict = {}


def purge_on_save(model, key_function, *, forgetting_navigation=False, shown_when_new=True) -> None:
    """Purge `key_function(instance)` after the commit whenever a `model` row is saved or
    deleted (on delete the keys are computed while the rows they come from still exist).
    `shown_when_new=False`: a new row is on no page yet (a tag, an author, an image), so its
    creation purges nothing; what puts it on a page (filing, a byline, a lead image) does."""
    handler = _on_commit_for(key_function, shown_when_new)
    if forgetting_navigation:
        handler = _forgetting_navigation(handler)
    _connect_rule(model, handler, handler)


def _connect_rule(model, on_save, on_delete) -> None:
    from django.db.models.signals import post_save, pre_delete

    uid = f"newsroom-purge-{model._meta.label_lower}"
    post_save.connect(on_save, sender=model, weak=False, dispatch_uid=uid)
    pre_delete.connect(on_delete, sender=model, weak=False, dispatch_uid=uid + "-delete")
    PURGE_RULES[model] = (on_save, on_delete)


def _went_live(status, published_at, now) -> bool:
    """Readers were shown an article in this state (its unpublish time may have passed since:
    the clock took it down, and its copies in caches may still show it)."""
    from articles.models.articles import PUBLIC_STATUSES

    return status in PUBLIC_STATUSES and published_at is not None and published_at <= now


_ARTICLE_STATE = ("status", "published_at", "unpublish_at", "section_id")


def _article_saving(sender, instance, raw=False, **kwargs):
    """Before an article is saved anywhere: its stored state, to purge what the save changes."""
    if instance.pk is not None and not raw:
        instance._stored_state = (
            sender.objects.filter(pk=instance.pk).values(*_ARTICLE_STATE).first()
        )


def _article_saved(sender, instance, raw=False, **kwargs):
    """An article saved anywhere (workflow, admin, shell, imports). Going live, coming down or
    moving in time: its page and every listing it enters or leaves; an edit while live: its
    page and cards, feeds, sitemaps and a section it moved between."""
    if raw:
        return
    from django.utils import timezone

    now = timezone.now()
    before = getattr(instance, "_stored_state", None) or {}
    instance._stored_state = None
    was_shown = _went_live(before.get("status"), before.get("published_at"), now)
    is_public = _went_live(instance.status, instance.published_at, now) and (
        instance.unpublish_at is None or instance.unpublish_at > now
    )
    if not (was_shown or is_public):
        return
    keys = {article_key(instance.pk), FEEDS, SITEMAPS}
    if before.get("section_id") not in (None, instance.section_id):
        keys |= {section_key(before["section_id"]), section_key(instance.section_id)}
    moved = any(before.get(name) != getattr(instance, name) for name in _ARTICLE_STATE)
    if not (was_shown and is_public) or moved:
        keys |= keys_for_article(instance)
    purge_on_commit(keys)


def _article_deleting(sender, instance, **kwargs):
    from django.utils import timezone

    if _went_live(instance.status, instance.published_at, timezone.now()):
        purge_on_commit(keys_for_article(instance))


# taggit's manager files an article's tags row by row between an m2m_changed "pre_" and
# "post_" signal: the rows' keys are gathered there and purged once (thirty tags, one purge).
_filing = Local()


def _filing_saved(sender, instance, **kwargs):
    keys = keys_for_filing(instance)
    batch = getattr(_filing, "batch", None)
    if batch is not None and batch[0] == instance.content_object_id:
        batch[1].update(keys)
    else:
        purge_on_commit(keys)


def _tags_filing(sender, instance, action, reverse, **kwargs):
    if reverse:  # from a tag's side: each row purges on its own
        return
    if action.startswith("pre_"):
        _filing.batch = (instance.pk, set())
    elif action.startswith("post_"):
        batch, _filing.batch = getattr(_filing, "batch", None), None
        if batch is not None:
            purge_on_commit(batch[1])


def _image_processed(sender, image, **kwargs):
    purge_on_commit(keys_for_image(image))


def _publication_saved(sender, instance, **kwargs):
    """The settings saved anywhere: every page, and every process's copy of the settings."""
    from articles.publication import clear_publication_cache

    transaction.on_commit(clear_publication_cache, robust=True)
    purge_on_commit(keys_for_publication(instance))


def connect_signals() -> None:
    """Purge on saves and deletes of everything the articles app shows readers, wherever
    the change is made (called from apps; the ads app connects its own models in
    `ads/purges.py`). Queryset `update()` and raw SQL send no signals: the services that use
    them purge themselves."""
    from django.db.models.signals import m2m_changed, pre_save

    from articles.media.models import Image, image_processed
    from articles.models import (
        Article,
        Author,
        Byline,
        Correction,
        RelatedPin,
        Section,
        Tag,
        TaggedArticle,
    )
    from articles.publication.models import Publication

    pre_save.connect(
        _article_saving, sender=Article, weak=False, dispatch_uid="newsroom-purge-article-state"
    )
    _connect_rule(Article, _article_saved, _article_deleting)
    purge_on_save(Section, keys_for_section, forgetting_navigation=True)
    purge_on_save(Author, keys_for_author, shown_when_new=False)
    purge_on_save(Tag, keys_for_tag, shown_when_new=False)
    purge_on_save(Byline, keys_for_byline)
    _connect_rule(TaggedArticle, _filing_saved, _filing_saved)
    m2m_changed.connect(_tags_filing, sender=TaggedArticle, dispatch_uid="newsroom-purge-filing")
    purge_on_save(RelatedPin, keys_for_pin)
    purge_on_save(Correction, keys_for_note)
    purge_on_save(Image, keys_for_image, shown_when_new=False)
    image_processed.connect(_image_processed, weak=False, dispatch_uid="newsroom-purge-renditions")
    _connect_rule(Publication, _publication_saved, _publication_saved)


# --- the purge task ---------------------------------------------------------------------------

# Work done after each purge by the capabilities that keep copies derived from what was
# purged (the article pages' kept markup: `articles.pages.markup.keep_purged`, registered by
# `articles/apps.py`). Each gets the purged keys; a failure is logged, the purge stands.
_after_purge = []


def after_purge(function) -> None:
    """Run `function(keys)` after every purge the task makes."""
    if function not in _after_purge:
        _after_purge.append(function)


class PurgeFailed(Exception):
    """A proxy did not take a purge (the task is retried with backoff)."""


@task
def purge_keys(keys: list[str], proxies: list[str] | None = None, attempt: int = 1) -> None:
    """Purge surrogate keys in the application cache and in `proxies` (None: every configured
    proxy; after a commit, only those its own purge could not reach), let the `after_purge`
    functions refresh what they keep for the next reader, and retry proxies that still fail."""
    configured = settings.NEWSROOM_PURGE_URLS
    # Only proxies still configured: a queued row never sends a request anywhere else.
    targets = configured if proxies is None else [url for url in proxies if url in configured]
    failed = purge(keys, proxies=targets)
    if attempt == 1:
        for function in _after_purge:
            try:
                function(keys)
            except Exception:  # the purge is done; what is kept is rendered on demand if need be
                logger.exception("After the purge, %s failed", function.__qualname__)
    if failed:
        with retried(purge_keys, attempt=attempt, keys=keys, proxies=failed):
            raise PurgeFailed(f"{len(failed)} of {len(targets)} proxies refused the purge")
