"""Click redirects, viewability beacons and ads.txt."""

import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from ads import adstxt, csp, services
from ads.models import AdsTxtFile, AdsTxtRecord, AdsTxtVariable, Creative, Placement
from articles.delivery import cache as page_cache

logger = logging.getLogger(__name__)

MAX_BEACON_BYTES = 1024
MAX_BEACON_IDS = 20
BEACON_KEYS = {"o", "v"}  # offered, viewed


# A script creative's frame document: only its own scripts run, it may be framed only by our
# pages, and (the `sandbox` directive) it stays in an opaque origin even when opened directly.
CREATIVE_FRAME_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox"
ENDED = "This advertisement is no longer running."


def _servable(placement_id, **filters):
    """A placement a page could show now: live, its creative and slot switched on (else 404)."""
    return get_object_or_404(
        Placement.objects.live().select_related("creative", "slot"),
        pk=placement_id,
        creative__is_active=True,
        slot__is_active=True,
        **filters,
    )


@require_GET
def click(request, placement_id):
    """Count a click and send the reader to the creative's stored address (never one from us).

    Only clicks on placements a page could have served count: a switched-off or ended placement
    answers 404 and counts nothing.
    """
    try:
        placement = _servable(placement_id)
    except Http404:
        return HttpResponse(ENDED, status=404, content_type="text/plain")
    url = placement.creative.click_url
    if not url.lower().startswith(("http://", "https://")):
        return HttpResponse(
            "This advertisement has no link.", status=404, content_type="text/plain"
        )
    if _within_rate([placement.pk], kind="click"):
        services.record_click(placement=placement)
    response = HttpResponseRedirect(url)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@xframe_options_sameorigin
def creative_frame(request, placement_id):
    """A script creative as its own document, for a sandboxed `<iframe src=…>` on our pages.

    It carries its own Content-Security-Policy (the creative's inline-script hashes and https
    script origins), so the article page's policy never depends on ad content.
    """
    placement = _servable(placement_id, creative__kind=Creative.Kind.SCRIPT)
    response = render(request, "ads/creative_frame.html", {"creative": placement.creative})
    response._csp_config = csp.frame_policy(placement.creative.html, CREATIVE_FRAME_SANDBOX)
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, public=True, max_age=60)
    return response


def _parse_beacon(body: bytes):
    """{"o": [ids], "v": [ids]} → (offered ids, viewed ids); ValueError for anything else."""
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict) or not data or set(data) - BEACON_KEYS:
        raise ValueError("unexpected shape")
    lists = []
    for key in ("o", "v"):
        ids = data.get(key, [])
        if not isinstance(ids, list) or len(ids) > MAX_BEACON_IDS:
            raise ValueError("bad list")
        if not all(type(i) is int and 0 < i < 2**31 for i in ids):
            raise ValueError("bad id")
        lists.append(set(ids))
    return lists


def _within_rate(placement_ids, kind="beacon") -> list[int]:
    """Drop ids that have had too many reports this minute (a flood, not readers)."""
    limit = getattr(settings, "ADS_BEACON_LIMIT_PER_MINUTE", 6000)
    allowed = []
    for pk in placement_ids:
        key = f"ads:{kind}:{pk}"
        try:
            cache.add(key, 0, timeout=60)
            count = cache.incr(key)
        except ValueError:
            count = 1
        except Exception:  # the cache is down: never take a click or a page down with it
            logger.warning("Cache unavailable; ad %s counted without the flood limit", kind)
            count = 1
        if count <= limit:
            allowed.append(pk)
    return allowed


@csrf_exempt  # readers' browsers send it with sendBeacon; it changes only anonymous counters
@require_POST
def beacon(request):
    """Record offers and viewable impressions: counts per placement per day, nothing else."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_BEACON_BYTES:
        return HttpResponseBadRequest("Too large.", content_type="text/plain")
    if len(request.body) > MAX_BEACON_BYTES:
        return HttpResponseBadRequest("Too large.", content_type="text/plain")
    try:
        offered, viewed = _parse_beacon(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponseBadRequest("Bad beacon.", content_type="text/plain")
    known = set(Placement.objects.filter(pk__in=offered | viewed).values_list("pk", flat=True))
    allowed = set(_within_rate(sorted(known)))
    services.record_beacon(offered=offered & allowed, viewed=viewed & allowed)
    response = HttpResponse(status=204)
    add_never_cache_headers(response)
    return response


def _ads_txt(request, file):
    """The file, cached like every reader page (the page cache adds Cache-Control, ETag and
    Last-Modified) under its own surrogate key, purged when one of its lines changes."""
    records = AdsTxtRecord.objects.filter(file=file)
    variables = AdsTxtVariable.objects.filter(file=file)
    page_cache.add_keys(request, page_cache.adstxt_key(file))
    return HttpResponse(adstxt.render(records, variables), content_type="text/plain; charset=utf-8")


# GET and HEAD (crawlers check the files with HEAD); the server sends no body for HEAD.
@require_safe
def ads_txt(request):
    return _ads_txt(request, AdsTxtFile.ADS)


@require_safe
def app_ads_txt(request):
    return _ads_txt(request, AdsTxtFile.APP_ADS)
