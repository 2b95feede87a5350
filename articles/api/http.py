"""What every API response shares: problem details (RFC 9457), caching and CORS headers,
and who is asking (an API key, or nobody).

Anonymous reads are shared: `Cache-Control` with `s-maxage` and `stale-while-revalidate` (the
page cache's own values), an ETag and Last-Modified answering 304, `Surrogate-Key` naming
every article shown (purged by the same `purge_on_commit` as the pages) and
`Access-Control-Allow-Origin: *` (never with credentials). Anything read with a key is
`private, no-store`, without CORS. A browser's preflight (`OPTIONS`) is answered by
`cors_preflight` for anonymous reads only: GET and HEAD, with the conditional headers.
"""

import json

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from ninja.security import HttpBearer

from articles.api import services
from articles.api.models import ApiKey
from articles.delivery import cache

PROBLEM = "application/problem+json"
ANONYMOUS = "anonymous"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Not accepted",
    429: "Too many requests",
    500: "Server error",
}
BAD_KEY = "The API key is missing, malformed, unknown or revoked."


class ApiProblem(Exception):
    """An error answered as problem+json (RFC 9457), with optional extension members."""

    def __init__(self, status: int, detail: str, **extra):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def problem(status: int, detail: str, **extra) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = HttpResponse(json.dumps(body, default=str), status=status, content_type=PROBLEM)
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Authorization"])
    return response


# --- who is asking --------------------------------------------------------------------------


class KeyAuth(HttpBearer):
    """`Authorization: Bearer nrk_…`: an API key, rate-limited per key."""

    def authenticate(self, request, token):
        key = services.key_for_token(token)
        if key is None:
            return None
        wait = services.over_rate_limit(key)
        if wait:
            raise ApiProblem(429, "This key made too many requests; retry later.", retry_after=wait)
        services.touch_api_key(key)
        return key


key_auth = KeyAuth()


def anonymous(request):
    """Reads without a key: only when no Authorization header is sent at all (a wrong key
    is a 401, never a silent anonymous read)."""
    return ANONYMOUS if "HTTP_AUTHORIZATION" not in request.META else None


def key_of(request) -> ApiKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


def reader_of(request):
    """The user whose drafts this read may include: a key's owner when the key may read
    drafts, else None (published content only)."""
    key = key_of(request)
    return key.user if key is not None and key.can_read_drafts else None


def writer_of(request):
    """The user a write acts as; 403 when the key may not write."""
    key = key_of(request)
    if key is None or not key.can_write:
        raise ApiProblem(403, "This API key may not write.")
    return key.user


# --- CORS ------------------------------------------------------------------------------------

API_PREFIX = "/api/v1/"
CORS_METHODS = ("GET", "HEAD")
# What a page on another site may send (beyond the safelisted ones) and read.
CORS_REQUEST_HEADERS = ("if-none-match", "if-modified-since")
CORS_EXPOSED = "ETag, Last-Modified"
PREFLIGHT_MAX_AGE = 86400


def cors_preflight(get_response):
    """Answers a browser's CORS preflight for the API (`OPTIONS` with
    `Access-Control-Request-Method`) before sessions, CSRF or the views: 204 allowing any origin
    to GET and HEAD with `If-None-Match`/`If-Modified-Since`. Anything else (writes, an
    `Authorization` header: keys belong on servers, not in a reader's browser) gets a 204
    without the allow headers, which the browser treats as a refusal."""

    def middleware(request):
        if not (
            request.method == "OPTIONS"
            and request.path_info.startswith(API_PREFIX)
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META
        ):
            return get_response(request)
        response = HttpResponse(status=204)
        response["Cache-Control"] = f"public, max-age={PREFLIGHT_MAX_AGE}"
        patch_vary_headers(
            response, ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
        )
        method = request.META["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].strip().upper()
        asked = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
        headers = {h.strip().lower() for h in asked.split(",") if h.strip()}
        if method in CORS_METHODS and headers <= set(CORS_REQUEST_HEADERS):
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
            response["Access-Control-Allow-Headers"] = ", ".join(CORS_REQUEST_HEADERS)
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        return response

    return middleware


# --- responses --------------------------------------------------------------------------------


def json_response(
    request, data, *, status=200, keys=(), last_modified=None, private=False, body=None
) -> HttpResponse:
    """`data` (or `body`, already encoded) as JSON with the caching headers for who asked."""
    if body is None:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    patch_vary_headers(response, ["Authorization"])
    shared = request.method in ("GET", "HEAD") and key_of(request) is None and status == 200
    if private or not shared:
        response["Cache-Control"] = "private, no-store"
        return response
    # Shared: the page cache (articles/delivery/middleware.py) does the rest, as for pages:
    # Cache-Control, Surrogate-Key, the ETag, answering 304, and keeping it in the cache.
    cache.add_keys(request, *keys)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if last_modified:
        response["Last-Modified"] = http_date(int(last_modified.timestamp()))
    return response
