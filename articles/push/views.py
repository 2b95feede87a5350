"""The readers' side of web push: subscribe, unsubscribe, and the service worker at the root
scope (docs/alerts-and-push.md). Nothing is cached; nothing about the reader is kept."""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from articles.delivery.guards import client_ip
from articles.push import conf, services

SERVICE_WORKER = Path(__file__).resolve().parent.parent.parent / "static" / "push" / "sw.js"
CROSS_SITE = "Subscriptions are taken from this site's own pages only."
NOT_JSON = "Send a JSON object (Content-Type: application/json) of at most 4 KB."


def _answer(status: int, data: dict | None = None) -> HttpResponse:
    response = (
        JsonResponse(data, status=status) if data is not None else HttpResponse(status=status)
    )
    response["Cache-Control"] = "no-store"
    return response


def _refuse(message: str, status: int = 400) -> HttpResponse:
    return _answer(status, {"error": message})


def _same_site(request) -> bool:
    """The page that posts is ours: the browser says so (Sec-Fetch-Site) and the Origin is
    this site's own (a cross-site page cannot forge either)."""
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site is not None and site != "same-origin":
        return False
    sent = request.META.get("HTTP_ORIGIN")
    if sent is None:
        return site == "same-origin"
    own = f"{request.scheme}://{request.get_host()}"
    trusted = getattr(settings, "CSRF_TRUSTED_ORIGINS", [])
    return sent == own or sent in trusted


def _json(request):
    if conf.MAX_BODY_BYTES < int(request.META.get("CONTENT_LENGTH") or 0):
        return None
    if request.content_type != "application/json":
        return None
    try:
        data = json.loads(request.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# The subscribe and unsubscribe buttons sit on cached pages, which carry no CSRF token (one
# reader's token would be served to all). Instead: JSON only (a cross-site form cannot send
# it without a preflight, which nothing here answers), Sec-Fetch-Site and Origin must be our
# own, there is no cookie to ride on, and the worst a forgery could do is subscribe a browser
# endpoint the forger already holds. Rate-limited per address (a keyed hash in the cache).
@csrf_exempt
@require_POST
def subscribe(request):
    """201 with the topics kept; 400 with a message for bad input; 403 cross-site; 404 off."""
    if not conf.enabled():
        raise Http404("Push notifications are off.")
    if not _same_site(request):
        return _refuse(CROSS_SITE, 403)
    data = _json(request)
    if data is None:
        return _refuse(NOT_JSON)
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    try:
        subscription = services.subscribe(
            endpoint=data.get("endpoint"),
            p256dh=keys.get("p256dh"),
            auth=keys.get("auth"),
            topics=data.get("topics"),
            ip=client_ip(request),
        )
    except ValidationError as exc:
        return _refuse(exc.messages[0], 429 if exc.code == "rate_limited" else 400)
    topics = sorted(subscription.topics.values_list("topic", flat=True))
    return _answer(201, {"topics": topics})


@csrf_exempt  # as subscribe, above
@require_POST
def unsubscribe(request):
    """204 whether or not the endpoint was known (nobody learns who subscribed)."""
    if not conf.enabled():
        raise Http404("Push notifications are off.")
    if not _same_site(request):
        return _refuse(CROSS_SITE, 403)
    data = _json(request)
    if data is None:
        return _refuse(NOT_JSON)
    try:
        services.unsubscribe(endpoint=data.get("endpoint"), ip=client_ip(request))
    except ValidationError as exc:
        return _refuse(exc.messages[0], 429 if exc.code == "rate_limited" else 400)
    return _answer(204)


@require_safe
def service_worker(request):
    """The service worker, served from the root so its scope is the whole site."""
    if not conf.enabled():
        raise Http404("Push notifications are off.")
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at least daily; no shared cache keeps an old one.
    response["Cache-Control"] = "no-cache"
    return response
