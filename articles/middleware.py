"""Request middleware for the reader site and the newsroom.

`publication_time_zone` shows times in the publication's zone. `BreachSafeGZipMiddleware`
compresses what readers fetch (HTML, feeds, sitemaps, text), never a page with a CSRF token:
BREACH recovers a secret from the compressed size of responses that reflect attacker-chosen
input next to it; a page without a CSRF token (every public page) has no secret to recover, so
only those are compressed. Admin pages and any form that calls `{% csrf_token %}` go out as is.
"""

import zoneinfo

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils import timezone

from articles.publication import get_publication


def publication_time_zone(get_response):
    """Show times in the publication's time zone (article addresses keep the server's)."""

    def middleware(request):
        try:
            timezone.activate(zoneinfo.ZoneInfo(get_publication().time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

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
    """Django's GZipMiddleware for text responses without a CSRF token."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(COMPRESSIBLE) or carries_csrf_token(request, response):
            return response
        return super().process_response(request, response)
