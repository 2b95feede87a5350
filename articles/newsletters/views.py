"""The reader's side: /newsletters/ (sign up), the article sign-up box's target, the
confirmation page (its button confirms: link scanners only GET), the signed preferences page,
one-click unsubscribe (RFC 8058: POST unsubscribes, GET asks first) and the click counter.

Nothing here is ever kept by a shared cache (`NEWSROOM_UNCACHED_PREFIXES` and `never_cache`).
"""

import json
import logging

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError, AnymailError
from anymail.utils import get_anymail_setting
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from articles.delivery.guards import client_ip
from articles.newsletters import emails, services, tokens
from articles.newsletters.conf import CONSENT_WORDING
from articles.newsletters.models import Newsletter, SubscriptionStatus

logger = logging.getLogger(__name__)

HONEYPOT = "website"
# anymail's tracking webhook views by ESP ("mailgun", "postmark", "amazon_ses", ...).
TRACKING_VIEWS = {
    p.name.removesuffix("_tracking_webhook"): p.callback
    for p in anymail_urls.urlpatterns
    if p.name.endswith("_tracking_webhook")
}  # a field people never see; bots fill it in
# ... and their inbound views (mail to the List-Unsubscribe mailto address).
INBOUND_VIEWS = {
    p.name.removesuffix("_inbound_webhook"): p.callback
    for p in anymail_urls.urlpatterns
    if p.name.endswith("_inbound_webhook")
}


def _signup(request, *, newsletters, form: str):
    """Run a sign-up; the same "check your inbox" answer for known and new addresses."""
    if request.POST.get(HONEYPOT):
        return render(request, "newsletters/check_inbox.html")
    try:
        services.subscribe(
            email=request.POST.get("email", ""),
            newsletters=newsletters,
            form=form,
            ip=client_ip(request),
        )
    except ValidationError as error:
        status = 429 if getattr(error, "code", None) == "rate_limited" else 400
        return _index(request, error=error.messages[0], status=status)
    return render(request, "newsletters/check_inbox.html")


def _index(request, *, error="", status=200):
    context = {
        "newsletters": Newsletter.objects.filter(is_public=True),
        "error": error,
        "email": request.POST.get("email", ""),
        "chosen": {int(n) for n in request.POST.getlist("newsletter") if n.isdigit()},
        "consent_wording": CONSENT_WORDING,
    }
    return render(request, "newsletters/index.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def index(request):
    if request.method == "GET":
        return _index(request)
    ids = [int(n) for n in request.POST.getlist("newsletter") if n.isdigit()]
    chosen = Newsletter.objects.filter(is_public=True, pk__in=ids)
    return _signup(request, newsletters=chosen, form="page")


@csrf_exempt  # the box sits on cached article pages, which carry no CSRF token
@never_cache
@require_POST
def subscribe(request):
    offered = Newsletter.objects.filter(is_public=True, is_offered_on_articles=True)
    if not offered.exists():  # nothing chosen for the box: let the reader choose
        return _index(request)
    return _signup(request, newsletters=offered, form="article")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    if request.method == "GET":
        valid = tokens.read_confirm_token(token) is not None
        return render(
            request, "newsletters/confirm.html", {"valid": valid}, status=200 if valid else 400
        )
    subscriber = services.confirm(token=token)
    if subscriber is None:
        return render(request, "newsletters/confirm.html", {"valid": False}, status=400)
    return render(
        request,
        "newsletters/confirmed.html",
        {"preferences_url": emails.preferences_url(subscriber=subscriber)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    found = services.subscriber_from_token(token)
    if found is None:
        return render(request, "newsletters/bad_link.html", status=404)
    subscriber, _ = found
    action = request.POST.get("action")
    if action == "export":
        data = json.dumps(services.export_subscriber(subscriber=subscriber), indent=2)
        response = HttpResponse(data, content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="my-newsletter-data.json"'
        return response
    if action == "erase":
        services.erase_subscriber(subscriber=subscriber)
        return render(request, "newsletters/erased.html")
    if action == "leave-all":
        services.unsubscribe(subscriber=subscriber)
    elif action == "save":
        ids = [int(n) for n in request.POST.getlist("newsletter") if n.isdigit()]
        services.set_preferences(subscriber=subscriber, newsletter_ids=ids)
    active = set(
        subscriber.subscriptions.filter(status=SubscriptionStatus.ACTIVE).values_list(
            "newsletter_id", flat=True
        )
    )
    context = {
        "subscriber": subscriber,
        "newsletters": Newsletter.objects.filter(is_public=True),
        "active": active,
        "saved": bool(action),
    }
    return render(request, "newsletters/preferences.html", context)


@csrf_exempt  # RFC 8058: the mail provider POSTs with no cookie and no token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    found = services.subscriber_from_token(token)
    if found is None:
        return render(request, "newsletters/bad_link.html", status=404)
    subscriber, newsletter_id = found
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if request.method == "GET":
        return render(
            request, "newsletters/unsubscribe.html", {"newsletter": newsletter, "done": False}
        )
    services.unsubscribe(
        subscriber=subscriber, newsletter_ids=[newsletter_id] if newsletter else None
    )
    return render(
        request,
        "newsletters/unsubscribe.html",
        {
            "newsletter": newsletter,
            "done": True,
            "preferences_url": emails.preferences_url(subscriber=subscriber),
        },
    )


@never_cache
def click(request, token):
    url = services.record_click(token=token)
    if url is None or not url.startswith(("https://", "http://")):
        return render(request, "newsletters/bad_link.html", status=404)
    return HttpResponseRedirect(url)


@csrf_exempt  # the ESP posts; anymail checks its signature and/or basic auth
@never_cache
def esp_webhook(request, esp, kind="tracking"):
    """An ESP's tracking events (or, `kind="inbound"`, the mail it received for the
    unsubscribe address), through anymail, for the ESPs the site has turned on.

    An ESP that does not sign its webhooks is only served with basic auth configured
    (WEBHOOK_SECRET): otherwise anyone could post complaints and suppress any address.
    """
    view = (INBOUND_VIEWS if kind == "inbound" else TRACKING_VIEWS).get(esp)
    if view is None or esp not in getattr(settings, "NEWSROOM_NEWSLETTER_WEBHOOK_ESPS", ()):
        raise Http404("No such webhook.")
    signed = not getattr(view.view_class, "warn_if_no_basic_auth", True)
    if not signed and not get_anymail_setting("webhook_secret", default=None):
        logger.error("The %s webhook needs ANYMAIL WEBHOOK_SECRET (basic auth); refused", esp)
        raise Http404("No such webhook.")
    try:
        return view(request)
    except AnymailConfigurationError:
        logger.exception("The %s webhook is not configured", esp)
        raise Http404("No such webhook.") from None
    except (AnymailError, ValueError, KeyError, TypeError, AttributeError) as error:
        # A forged signature, or a body that is not the ESP's format (anymail's parsers
        # assume well-formed JSON): the ESP's real calls never get here.
        logger.warning("The %s webhook refused a request", esp, exc_info=True)
        return HttpResponseBadRequest(f"Refused: {type(error).__name__}")
