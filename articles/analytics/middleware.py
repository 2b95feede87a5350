"""The beacon's fast path: answered before the rest of the middleware stack.

A hit needs none of what the stack does for pages (page cache, sessions, CSRF, authentication,
the second factor, time zones, CSP, gzip, ETags) and sets no header any of it would add to an
empty 204. Sitting first in `MIDDLEWARE`, this hands `POST /analytics/hit` straight to the
view, so a hit costs a fraction of a page (scripts/bench_beacon.py). Anything else, including
a GET of that address (405), goes through the whole stack as usual.
"""

from django.urls import reverse

from articles.analytics import views


def beacon_first(get_response):
    """Answer the beacon's POST before the page cache and everything below it."""
    path = None

    def middleware(request):
        nonlocal path
        if path is None:
            path = reverse("analytics:hit")
        if request.method == "POST" and request.path == path:
            return views.hit(request)
        return get_response(request)

    return middleware
