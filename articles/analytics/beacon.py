"""The beacon's one rule: what a hit may be, and what it is answered (docs/analytics.md).

Both doors use it: the fast path in front of Django that gunicorn serves
(`articles/analytics/wsgi.py`) and the Django view behind it (`views.hit`: the test client, and
any server set up without the wrapper). `meta` is a WSGI environ or a request's META, which
have the same keys.
"""

from urllib.parse import parse_qsl

from django.conf import settings

from articles.analytics import privacy, services
from articles.delivery.guards import client_ip_of

MAX_ID = 2**31 - 1
KINDS = ("view", "leave")
MAX_BODY = 600
FORM = "application/x-www-form-urlencoded"


def _number(value: str, top: int) -> int | None:
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= top else None


def body_length(meta) -> int | None:
    """The declared size of a hit's form, or None when it is missing, too big or not a form."""
    kind = meta.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    length = _number(meta.get("CONTENT_LENGTH") or "", MAX_BODY)
    return length if kind == FORM else None


def _ignored(meta) -> bool:
    """Bots, prefetches, Do-Not-Track (when honoured) and other sites: answered, not counted."""
    return (
        privacy.is_bot(meta.get("HTTP_USER_AGENT", ""))
        or privacy.is_prefetch(meta)
        or (settings.NEWSROOM_ANALYTICS_HONOUR_DNT and privacy.asks_not_to_be_tracked(meta))
        or meta.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none")
    )


def answer(meta, body: bytes) -> int:
    """204 for a hit, counted or not; 400 for bad input. `body` is the form, `body_length`
    bytes of it."""
    data = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    kind = data.get("t", "view")
    article_id = _number(data.get("a", ""), MAX_ID)
    if kind not in KINDS or article_id is None:
        return 400
    if _ignored(meta):
        return 204
    if kind == "leave":
        seconds = _number(data.get("s", ""), 86_400)
        if seconds is None:
            return 400
        services.record_engaged(article_id=article_id, seconds=seconds)
        return 204
    host = privacy.referrer_host(data.get("r", ""))
    if host is None:
        return 400
    services.record_view(
        article_id=article_id,
        host=host,
        address=client_ip_of(meta),
        user_agent=meta.get("HTTP_USER_AGENT", ""),
    )
    return 204
