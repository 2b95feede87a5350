"""Request middleware for the reader site and the newsroom."""

import zoneinfo

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
