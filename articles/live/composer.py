"""The composer's JSON endpoints (behind the admin's staff login, CSRF-checked like every
POST): the stream as the desk sees it, and every change through the services. Refusals answer
with the services' own messages: 403 (permission), 400 (bad input), 409 (a stale edit, with
the entry as it now stands so nothing typed is lost)."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from articles.live import reads, services
from articles.live.models import LiveCoverage, LiveEntry

DESK_ENTRIES = 100
BAD_JSON = "The request was not understood (expected a JSON object)."
UNKNOWN_ACTION = "Unknown action."


def entry_for_desk(entry: LiveEntry, user) -> dict:
    """An entry as the composer shows it: the reader markup, and what the desk works with."""
    article = entry.coverage.article
    return {
        **reads.entry_data(entry, article),
        "status": entry.status,
        "version": entry.version,
        "body": entry.body,
        "can_change": services.can_change(user, entry),
    }


def _coverage(request, pk) -> LiveCoverage:
    coverage = get_object_or_404(LiveCoverage.objects.select_related("article"), pk=pk)
    if not request.user.has_perm("live.view_livecoverage"):
        raise PermissionDenied(services.NOT_ALLOWED)
    return coverage


def _payload(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ValidationError(BAD_JSON)
    return data


def _refusal(error: Exception, status=None, **extra) -> JsonResponse:
    if isinstance(error, PermissionDenied):
        message, status = str(error) or services.NOT_ALLOWED, 403
    else:
        messages = getattr(error, "message_dict", None)
        flat = [m for ms in messages.values() for m in ms] if messages else list(error.messages)
        message = " ".join(flat)
        status = status or (409 if getattr(error, "code", None) == "stale" else 400)
    return JsonResponse({"error": message, **extra}, status=status)


def _flag(value) -> bool:
    return value is True or value in ("1", "true", "on", 1)


@never_cache
@require_GET
def stream(request, pk):
    """The coverage and its entries (drafts and removed too), newest first."""
    try:
        coverage = _coverage(request, pk)
    except PermissionDenied as error:
        return _refusal(error)
    entries = (
        LiveEntry.objects.filter(coverage=coverage)
        .select_related("coverage__article")
        .prefetch_related("authors")
        .order_by("-is_pinned", "-created_at", "-pk")[:DESK_ENTRIES]
    )
    user = request.user
    return JsonResponse(
        {
            "state": coverage.state,
            "version": coverage.version,
            "can_post": services.can_post(user),
            "can_publish": services.can_publish(user),
            "can_run": services.can_run_coverage(user),
            "reader_url": coverage.article.get_absolute_url() + "#live",
            "entries": [entry_for_desk(e, user) for e in entries],
        }
    )


@never_cache
@require_POST
def post(request, pk):
    """A new entry: a draft, or published at once (`publish`)."""
    try:
        coverage = _coverage(request, pk)
        data = _payload(request)
        entry = services.post_entry(
            coverage=coverage,
            by=request.user,
            headline=str(data.get("headline", "")),
            body=str(data.get("body", "")),
            publish=_flag(data.get("publish")),
            is_pinned=_flag(data.get("pinned")),
            is_key_event=_flag(data.get("key")),
        )
    except (PermissionDenied, ValidationError) as error:
        return _refusal(error)
    return JsonResponse({"entry": entry_for_desk(entry, request.user)}, status=201)


ACTIONS = ("edit", "publish", "pin", "key", "remove")


@never_cache
@require_POST
def change(request, pk, entry_id, action):
    """Edit (with the version the editor opened), publish, pin, mark as key or remove."""
    if action not in ACTIONS:
        raise Http404(UNKNOWN_ACTION)
    try:
        coverage = _coverage(request, pk)
        entry = get_object_or_404(LiveEntry, pk=entry_id, coverage=coverage)
        data = _payload(request)
        by = request.user
        if action == "edit":
            try:
                version = int(data.get("version"))
            except (TypeError, ValueError):
                raise ValidationError("Say which version you edited.") from None
            entry = services.edit_entry(
                entry=entry,
                by=by,
                version=version,
                headline=str(data.get("headline", "")),
                body=str(data.get("body", "")),
            )
        elif action == "publish":
            entry = services.publish_entry(entry=entry, by=by)
        elif action == "pin":
            entry = services.set_pinned(entry=entry, by=by, value=_flag(data.get("value")))
        elif action == "key":
            entry = services.set_key_event(entry=entry, by=by, value=_flag(data.get("value")))
        else:
            entry = services.remove_entry(entry=entry, by=by)
    except (PermissionDenied, ValidationError) as error:
        current = LiveEntry.objects.filter(pk=entry_id, coverage_id=pk).first()
        extra = {"entry": entry_for_desk(current, request.user)} if current else {}
        return _refusal(error, **extra)
    entry = LiveEntry.objects.select_related("coverage__article").get(pk=entry.pk)
    return JsonResponse({"entry": entry_for_desk(entry, request.user)})


@never_cache
@require_POST
def state(request, pk):
    """Pause, end or reopen the coverage."""
    try:
        coverage = _coverage(request, pk)
        data = _payload(request)
        coverage = services.set_state(
            coverage=coverage, state=str(data.get("state")), by=request.user
        )
    except (PermissionDenied, ValidationError) as error:
        return _refusal(error)
    return JsonResponse({"state": coverage.state, "version": coverage.version})


def urls_for(coverage) -> dict:
    """The endpoints the composer's script talks to (data attributes on the page)."""
    args = [coverage.pk]
    return {
        "stream": reverse("admin:live_composer_stream", args=args),
        "post": reverse("admin:live_composer_post", args=args),
        "state": reverse("admin:live_composer_state", args=args),
        "change": reverse("admin:live_composer_change", args=[coverage.pk, 0, "edit"]),
    }
