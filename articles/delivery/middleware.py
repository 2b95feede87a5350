"""Request middleware for the reader site and the newsroom.

`PageCacheMiddleware` (first in `MIDDLEWARE`) is the page cache. `publication_time_zone` shows
times in the publication's zone. `BreachSafeGZipMiddleware` compresses what readers fetch
(HTML, feeds, sitemaps, text), never a page with a CSRF token: BREACH recovers a secret from the
compressed size of responses that reflect attacker-chosen input next to it; a page without a
CSRF token (every public page) has no secret to recover, so only those are compressed. Admin
pages and any form that calls `{% csrf_token %}` go out as is.

The page cache: shared-cache headers on every reader response, and an application cache.
`PageCacheMiddleware` sits first in `MIDDLEWARE`, so a hit skips every other middleware and
the view, yet replays the exact headers (CSP, HSTS, …) the full stack produced. A response is
shareable only when all of these hold: GET/HEAD; not admin, preview or ads endpoints; no query
string other than `page`; no session cookie or Authorization on the request; status 200; no
cookie set, no CSRF token used, no CSP nonce, and no Cache-Control chosen by the view (previews
and the "Not published" banner set `private, no-store`). Shareable responses get
`Cache-Control` with `s-maxage` / `stale-while-revalidate` / `stale-if-error`, an ETag (of the
uncompressed body, `content_etag`; weak when gzipped), a Last-Modified when the page cache keeps
them, and the `Surrogate-Key` header; requests carrying a session get `private`. When the view
said that something it shows goes live or comes down at a given time
(`articles.delivery.cache.changes_at`), every one of those lifetimes, and the application
cache's, ends by then: a scheduled change shows on time even with no scheduler running.

Entries are kept in the default cache (Redis with `REDIS_URL`) under the URL, and are misses
once any of their keys is purged after they started rendering (`articles.delivery.cache.purge`).
`NEWSROOM_PAGE_CACHE=0` turns the application cache off (headers stay). A cache that is down
is logged and pages are served uncached. A hit is lean: the key, one cache round trip (the
entry and its purge marks), the stored bytes and the stored, already validated headers; no
session, CSRF, authentication or database work, and conditional checks only when the request
is conditional.
"""

import hashlib
import logging
import re
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

from articles.delivery import cache
from articles.publication import publication_time


def publication_time_zone(get_response):
    """Show times in the publication's time zone (article addresses keep the server's)."""

    def middleware(request):
        with publication_time():
            return get_response(request)

    return middleware


COMPRESSIBLE = (
    "text/",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/json",
    "application/ld+json",
    "application/javascript",
    "image/svg+xml",
)


def carries_csrf_token(request, response) -> bool:
    """Whether this response was rendered with the CSRF token (or sets its cookie)."""
    # get_token() sets the flag; CsrfViewMiddleware resets it to False but leaves the key.
    return "CSRF_COOKIE_NEEDS_UPDATE" in request.META or settings.CSRF_COOKIE_NAME in (
        response.cookies
    )


class BreachSafeGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text responses without a CSRF token. Like Django's, it
    turns a strong ETag weak (`W/"…"`) when it compresses: the ETag names the uncompressed
    body (`content_etag`), and gzip's bytes differ on every response (BREACH padding)."""

    def process_response(self, request, response):
        etag = response.get("ETag", "")
        if response.status_code == 304 and etag.startswith('"'):
            # A view's own 304 (feeds, sitemaps) answers for the copy the reader holds: the
            # gzipped one when the reader sent its weak ETag.
            if f"W/{etag}" in request.META.get("HTTP_IF_NONE_MATCH", ""):
                response.headers["ETag"] = f"W/{etag}"
            return response
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(COMPRESSIBLE) or carries_csrf_token(request, response):
            return response
        return super().process_response(request, response)


# Browser features no page of ours uses (reader pages, the admin, ad frames): none of them may
# be used by the page or by a frame in it. Current names only (browsing-topics replaced FLoC's
# interest-cohort, which browsers now warn about).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "ambient-light-sensor", "browsing-topics", "camera",
        "display-capture", "geolocation", "gyroscope", "hid", "magnetometer", "microphone",
        "midi", "payment", "publickey-credentials-get", "serial", "usb",
        "xr-spatial-tracking",
    )
)  # fmt: skip


def permissions_policy(get_response):
    """`Permissions-Policy` on every HTML response (below the page cache, so hits carry it)."""

    def middleware(request):
        response = get_response(request)
        if response.get("Content-Type", "").lower().startswith("text/html"):
            response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


def varies_by_user(request, response) -> bool:
    """Whether this response depends on who asked: the request is signed in (a session cookie
    or Authorization), the response sets a cookie, or the view read the session (Vary: Cookie,
    e.g. a draft's address answering 404 to readers and 200 to its editors)."""
    return (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or "HTTP_AUTHORIZATION" in request.META
        or bool(response.cookies)
        or "cookie" in response.get("Vary", "").lower()
    )


def content_etag(get_response):
    """A strong ETag, from the body as the views wrote it, on every response the page cache
    may share: below BreachSafeGZipMiddleware, so identical pages get the same ETag whatever
    the encoding and conditional GETs answer 304 with the page cache off too."""

    def middleware(request):
        response = get_response(request)
        if (
            is_candidate(request)
            and is_shareable(request, response)
            and not response.has_header("ETag")
        ):
            response["ETag"] = body_etag(response.content)
        return response

    return middleware


def body_etag(content: bytes) -> str:
    return f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'


logger = logging.getLogger(__name__)

ENTRY_PREFIX = "page:v3:"  # v3: (started, status, headers, bytes, marks, expires)
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
STATUS_HEADER = "X-Page-Cache"
ALLOWED_QUERY = {"page"}
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# Caches other than Redis (which answers with one script call, articles/delivery/backend.py):
# entry key → the purge-mark keys of the entry's surrogate keys, as this process last saw
# them, so a hit asks for the entry and its marks in one `get_many`. Only a hint: the
# entry's own list is compared, and a different list costs a second round trip, never a stale
# page. Bounded (cleared when full).
KNOWN_MARKS: dict[str, tuple[str, ...]] = {}
KNOWN_MAX = 20_000


def allowed_query(path) -> set[str]:
    """The query parameters a shared response may vary by at `path`: `page` on reader pages,
    and what a prefix declares (`NEWSROOM_CACHED_QUERY`: the content API's filters)."""
    for prefix, names in settings.NEWSROOM_CACHED_QUERY.items():
        if path.startswith(prefix):
            return ALLOWED_QUERY | set(names)
    return ALLOWED_QUERY


# What a 304 repeats from the response it stands for, beyond Django's own list.
KEPT_ON_304 = (
    "cache-control",
    "etag",
    "last-modified",
    "vary",
    "access-control-allow-origin",
    "access-control-expose-headers",
)


def not_modified_with(not_modified, headers):
    """The 304 with the shared headers of the stored `headers` (Django's lower-cased store)
    and the surrogate keys: a cross-origin reader's 304 needs its CORS headers too."""
    for name in (*KEPT_ON_304, cache.HEADER.lower()):
        if name in headers:
            not_modified.headers._store[name] = headers[name]
    return not_modified


def is_candidate(request) -> bool:
    """Could the response to this request be shared at all?"""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path_info.startswith(settings.NEWSROOM_UNCACHED_PREFIXES):
        return False
    if request.META.get("QUERY_STRING") and set(request.GET) - allowed_query(request.path_info):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return False
    return True


def is_shareable(request, response) -> bool:
    """May this response be stored by a shared cache?"""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
        and "'nonce-" not in response.get("Content-Security-Policy", "")
    )


def lifetimes(until=None, now=None, keep=None) -> tuple[int, int, int]:
    """(s-maxage, stale-while-revalidate, stale-if-error) in seconds: the settings (or the
    view's own `keep`, `cache.keep_for`), cut so that no shared cache keeps or serves the
    response past `until` (a Unix time, or None)."""
    s_maxage, stale = keep or (
        settings.NEWSROOM_CACHE_S_MAXAGE,
        settings.NEWSROOM_CACHE_STALE_WHILE_REVALIDATE,
    )
    if_error = settings.NEWSROOM_CACHE_STALE_IF_ERROR
    if until is None:
        return s_maxage, stale, if_error
    left = max(0, int(until - (time.time() if now is None else now)))  # whole seconds, down
    s_maxage = min(s_maxage, left)
    return s_maxage, min(stale, left - s_maxage), min(if_error, left - s_maxage)


def shared_cache_control(until=None, now=None, keep=None) -> str:
    s_maxage, stale, if_error = lifetimes(until, now, keep)
    return (
        f"public, max-age={min(settings.NEWSROOM_CACHE_MAX_AGE, s_maxage)}, "
        f"s-maxage={s_maxage}, stale-while-revalidate={stale}, stale-if-error={if_error}"
    )


def entry_key(request) -> str:
    """The URL, and whether the reader takes gzip: BreachSafeGZipMiddleware sits below the
    page cache, so an entry holds compressed bytes only for readers who asked for them."""
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        url += " gzip"
    return ENTRY_PREFIX + hashlib.sha256(url.encode()).hexdigest()


def remember_marks(key, marks) -> None:
    if len(KNOWN_MARKS) >= KNOWN_MAX:
        KNOWN_MARKS.clear()
    KNOWN_MARKS[key] = marks


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_candidate(request):
            return self.private_if_personal(request, self.get_response(request))
        try:
            key = entry_key(request)
        except Exception:  # a bad Host header: let the full stack answer it (400)
            return self.get_response(request)
        if settings.NEWSROOM_PAGE_CACHE:
            hit = self.lookup(request, key)
            if hit is not None:
                return hit
        started = time.time()
        response = self.get_response(request)
        if not is_shareable(request, response):
            return self.private_if_personal(request, response)
        now = time.time()
        until = cache.response_until(request)
        keep = cache.response_keep(request)
        self.mark_shareable(request, response, until, now, keep)
        if settings.NEWSROOM_PAGE_CACHE:
            # The stored copy's time, which every hit repeats (a view's own, such as a feed's
            # newest item, is kept). Without the page cache each response is rendered afresh
            # and carries none: the ETag alone validates it.
            response.setdefault("Last-Modified", http_date(started))
            ttl = lifetimes(until, now, keep)[0]
            if request.method == "GET" and ttl > 0 and self.store(key, response, started, ttl):
                response[STATUS_HEADER] = "miss"
        answer = get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )
        if isinstance(answer, HttpResponseNotModified):
            return not_modified_with(answer, response.headers._store)
        return answer

    @staticmethod
    def private_if_personal(request, response):
        """A response that depends on who asked never goes to a shared cache; a view's own
        choice (previews: `private, no-store`; the admin: never cache) is kept."""
        if not response.has_header("Cache-Control") and varies_by_user(request, response):
            response["Cache-Control"] = "private, no-cache"
        return response

    @staticmethod
    def mark_shareable(request, response, until=None, now=None, keep=None):
        response["Cache-Control"] = shared_cache_control(until, now, keep)
        response[cache.HEADER] = " ".join(cache.response_keys(request))
        # Normally set below the gzip middleware on the uncompressed body (`content_etag`).
        response.setdefault("ETag", body_etag(response.content))

    @staticmethod
    def store(key, response, started, ttl):
        """One entry: (started, status, the headers as Django keeps them, bytes, purge marks,
        when it expires), kept `ttl` seconds. The headers are stored already validated, so a
        hit replays them without re-checking."""
        marks = tuple(cache.PURGED_PREFIX + k for k in response[cache.HEADER].split())
        entry = (started, response.status_code, dict(response.headers._store), response.content,
                 marks, time.time() + ttl)  # fmt: skip
        try:
            if hasattr(default_cache, "set_page"):  # Redis (articles/delivery/backend.py)
                default_cache.set_page(key, entry, marks, ttl)
            else:
                default_cache.set(key, entry, timeout=ttl)
        except Exception:
            logger.warning("Page cache unavailable; serving uncached", exc_info=True)
            return False
        remember_marks(key, marks)
        return True

    @staticmethod
    def lookup(request, key):
        """The stored response, or None (absent, purged since it started rendering, or the
        cache is down). One round trip: the entry and its purge marks together."""
        try:
            if hasattr(default_cache, "get_page"):  # Redis: one script call, any number of keys
                entry, latest = default_cache.get_page(key, settings.NEWSROOM_CACHE_S_MAXAGE)
            else:
                entry, latest = PageCacheMiddleware.get_with_marks(key)
        except Exception:
            logger.warning("Page cache unavailable; serving uncached", exc_info=True)
            return None
        if entry is None:
            return None
        started, status, headers, content, _, expires = entry
        if latest >= cache.microseconds(started) or expires <= time.time():
            return None  # purged since it started rendering, or past its (capped) lifetime
        if any(name in request.META for name in CONDITIONAL):
            modified = headers.get("last-modified")
            not_modified = get_conditional_response(
                request,
                etag=headers["etag"][1],
                last_modified=parse_http_date_safe(modified[1]) if modified else None,
                response=None,
            )
            if isinstance(not_modified, HttpResponseNotModified):
                return PageCacheMiddleware.hit(not_modified_with(not_modified, headers), started)
        response = HttpResponse(b"" if request.method == "HEAD" else content, status=status)
        response.headers._store = dict(headers)  # the entry may be kept in memory and reused
        return PageCacheMiddleware.hit(response, started)

    @staticmethod
    def get_with_marks(key):
        """Any other cache: the entry and the latest of its marks, in one `get_many` when this
        process has seen the entry before (it asks for the marks it remembers)."""
        known = KNOWN_MARKS.get(key)
        found = default_cache.get_many([key, *(known or ())])
        entry = found.pop(key, None)
        if entry is None:
            return None, 0
        marks = entry[4]
        if marks != known:  # first sight in this process, or the page's keys changed
            found = default_cache.get_many(marks)
            remember_marks(key, marks)
        return entry, max(found.values(), default=0)

    @staticmethod
    def hit(response, started):
        response.headers._store["age"] = ("Age", str(max(0, int(time.time() - started))))
        response.headers._store["x-page-cache"] = (STATUS_HEADER, "hit")
        return response
