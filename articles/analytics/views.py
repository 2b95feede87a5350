"""The beacon's endpoint: POST only, never cached, never a cookie, nothing about the reader
kept (docs/analytics.md)."""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from articles.analytics import privacy, services
from articles.delivery.guards import client_ip

MAX_ID = 2**31 - 1
KINDS = ("view", "leave")
MAX_BODY = 600


def _answer(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    return response


def _number(value: str, top: int) -> int | None:
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= top else None


@csrf_exempt  # no cookie to protect and none to set: the beacon is anonymous
@require_POST
def hit(request):
    """204 for a hit, counted or not (bots, prefetches, Do-Not-Track); 400 for bad input."""
    length = _number(request.META.get("CONTENT_LENGTH") or "", MAX_BODY)
    if length is None or not request.content_type == "application/x-www-form-urlencoded":
        return _answer(400)
    data = request.POST
    kind = data.get("t", "view")
    article_id = _number(data.get("a", ""), MAX_ID)
    if kind not in KINDS or article_id is None:
        return _answer(400)
    meta = request.META
    user_agent = meta.get("HTTP_USER_AGENT", "")
    if (
        privacy.is_bot(user_agent)
        or privacy.is_prefetch(meta)
        or (settings.NEWSROOM_ANALYTICS_HONOUR_DNT and privacy.asks_not_to_be_tracked(meta))
        or meta.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none")
    ):
        return _answer(204)
    if kind == "leave":
        seconds = _number(data.get("s", ""), 86_400)
        if seconds is None:
            return _answer(400)
        services.record_engaged(article_id=article_id, seconds=seconds)
        return _answer(204)
    host = privacy.referrer_host(data.get("r", ""))
    if host is None:
        return _answer(400)
    services.record_view(
        article_id=article_id, host=host, address=client_ip(request), user_agent=user_agent
    )
    return _answer(204)
