"""The beacon's endpoint: POST only, never cached, never a cookie, nothing about the reader
kept (docs/analytics.md). gunicorn's requests are answered in front of Django by the same
rule (`articles/analytics/wsgi.py`); this view serves the rest (the test client, a server
without the wrapper, a store without Redis)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from articles.analytics import beacon


def _answer(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # no cookie to protect and none to set: the beacon is anonymous
@require_POST
def hit(request):
    """204 for a hit, counted or not (bots, prefetches, Do-Not-Track); 400 for bad input."""
    if beacon.body_length(request.META) is None:
        return _answer(400)
    return _answer(beacon.answer(request.META, request.body))
