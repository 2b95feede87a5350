"""The publication's settings, read through one cached accessor, and absolute URLs.

`get_publication()` returns the administrators' `Publication` row, or an unsaved one holding
the defaults from settings (`NEWSROOM_SITE_NAME`, `NEWSROOM_BASE_URL`, `NEWSROOM_LANGUAGE`,
`TIME_ZONE`) while nobody has saved it. It is cached in the default cache for a minute and
refreshed when it is saved. `absolute_url()` builds every absolute link from the canonical
base URL, never from the request's Host header.
"""

import functools
import logging
import zoneinfo
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import request_finished, request_started, setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from articles.publication.models import Publication

logger = logging.getLogger(__name__)
# Inside a request the settings are read from the cache once (a page asks for them a few
# times: head, structured data, feeds, the context processor), never across requests.
_request = Local()


@receiver(request_started)
def _request_started(**kwargs):
    _request.active, _request.publication = True, None


@receiver(request_finished)
def _request_finished(**kwargs):
    _request.active, _request.publication = False, None


CACHE_KEY = "newsroom:publication:v1"
# At most a minute: without Redis each process has its own copy, which the save in another
# process never clears (with Redis the save clears the shared one at once).
CACHE_SECONDS = 60


def get_publication() -> Publication:
    """The publication's settings (cached; defaults until an administrator saves them)."""
    memo = getattr(_request, "publication", None)
    if memo is not None:
        return memo
    publication = _read_publication()
    if getattr(_request, "active", False):
        _request.publication = publication
    return publication


def _read_publication() -> Publication:
    try:
        publication = cache.get(CACHE_KEY)
    except Exception:  # the cache is down: read the row, never fail the page
        logger.warning("Cache unavailable; reading the publication settings", exc_info=True)
        return Publication.objects.first() or Publication()
    if publication is None:
        publication = Publication.objects.first() or Publication()
        try:
            cache.set(CACHE_KEY, publication, CACHE_SECONDS)
        except Exception:
            logger.warning("Cache unavailable; publication settings not cached", exc_info=True)
    return publication


def clear_publication_cache():
    _request.publication = None
    try:
        cache.delete(CACHE_KEY)
    except Exception:  # entries expire on their own (CACHE_SECONDS)
        logger.warning("Cache unavailable; publication settings not cleared", exc_info=True)


@receiver(setting_changed)
def _defaults_changed(*, setting, **kwargs):
    """Tests that override the defaults (`override_settings`) see them at once."""
    if setting in {"NEWSROOM_SITE_NAME", "NEWSROOM_BASE_URL", "NEWSROOM_LANGUAGE", "TIME_ZONE"}:
        clear_publication_cache()


def save_publication(*, publication: Publication) -> Publication:
    """Save the publication's settings; every page reads the new ones once committed."""
    with transaction.atomic():
        publication.save()
        clear_publication_cache()
        # Again once committed: a request may have cached the old row in between.
        transaction.on_commit(clear_publication_cache)
    return publication


@contextmanager
def publication_time():
    """Times shown in the publication's time zone inside the block (the server's when the
    zone is unknown), as on every reader page
    (`articles.delivery.middleware.publication_time_zone`)."""
    try:
        timezone.activate(zoneinfo.ZoneInfo(get_publication().time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()
    try:
        yield
    finally:
        timezone.deactivate()


def absolute_url(path_or_url: str, publication: Publication | None = None) -> str:
    """`path_or_url` on the canonical base URL ("/feed/" -> "https://news.example.com/feed/").

    An absolute URL is returned unchanged (e.g. media on a separate host).
    """
    base = (publication or get_publication()).base_url.rstrip("/") + "/"
    if path_or_url.startswith("/") and not path_or_url.startswith("//") and "/." not in path_or_url:
        return _origin(base) + path_or_url  # what urljoin answers for a site path, unparsed
    return urljoin(base, path_or_url)


@functools.lru_cache(maxsize=16)
def _origin(base):
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def site_context(request):
    """Context processor: `publication` on every template."""
    return {"publication": get_publication()}
