"""Every change to breaking alerts: create, change, end now, delete. Each checks the editor's
permission, validates the link, writes an audit row in the same transaction, and purges the
alerts endpoint (never the pages) once the change commits."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.alerts.models import Alert, AlertEvent
from articles.delivery import cache

# The surrogate key of the alerts endpoint (/alerts/current.json): the only thing purged.
ALERTS_KEY = "alerts"
EDITABLE = ("text", "url", "level", "starts_at", "expires_at", "section")

CANNOT_ADD = "You may not set breaking alerts."
CANNOT_CHANGE = "You may not change breaking alerts."
CANNOT_DELETE = "You may not delete breaking alerts."
BAD_LINK = "The link must be a page of this site (starting with /) or an http(s) address."
EXPIRY_BEFORE_START = "The alert must expire after it starts."
ALREADY_OVER = "This alert has already expired."
EMPTY_TEXT = "Write the alert's text."


def validate_link(url: str) -> str:
    """The link as stored: empty, a local path ("/…", not "//…") or an http(s) address."""
    url = (url or "").strip()
    if not url:
        return ""
    if any(ord(c) < 33 or c in "\\\x7f" for c in url):
        raise ValidationError(BAD_LINK, code="bad_link")
    if url.startswith("/") and not url.startswith("//"):
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError(BAD_LINK, code="bad_link")
    return url


def _clean(fields: dict) -> dict:
    fields = dict(fields)
    if "url" in fields:
        fields["url"] = validate_link(fields["url"])
    if "text" in fields:
        fields["text"] = " ".join((fields["text"] or "").split())
        if not fields["text"]:
            raise ValidationError(EMPTY_TEXT)
    return fields


def _check_window(alert: Alert) -> None:
    if alert.starts_at is None or alert.expires_at is None or alert.expires_at <= alert.starts_at:
        raise ValidationError(EXPIRY_BEFORE_START)


def _record(alert: Alert, action: str, by, detail: str = "") -> None:
    AlertEvent.objects.create(
        alert=alert, alert_text=alert.text, action=action, by=by, detail=detail[:500]
    )


def create_alert(*, by, text, expires_at, url="", level="breaking", starts_at=None, section=None):
    """Set a new alert (starting now unless `starts_at` says later)."""
    if not (by and by.is_active and by.has_perm("alerts.add_alert")):
        raise PermissionDenied(CANNOT_ADD)
    fields = _clean({"text": text, "url": url})
    alert = Alert(
        **fields,
        level=level,
        starts_at=starts_at or timezone.now(),
        expires_at=expires_at,
        section=section,
        created_by=by,
    )
    _check_window(alert)
    alert.full_clean(exclude=["created_by"])
    with transaction.atomic():
        alert.save()
        _record(alert, "created", by)
    return alert


def update_alert(*, alert: Alert, by, **changes) -> Alert:
    """Change an alert's text, link, level, window or section."""
    if not (by and by.is_active and by.has_perm("alerts.change_alert")):
        raise PermissionDenied(CANNOT_CHANGE)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    changes = _clean(changes)
    with transaction.atomic():
        current = Alert.objects.select_for_update().get(pk=alert.pk)
        changed = [f for f, v in changes.items() if getattr(current, f) != v]
        for field, value in changes.items():
            setattr(current, field, value)
        _check_window(current)
        current.full_clean(exclude=["created_by"])
        current.save()
        _record(current, "changed", by, ", ".join(changed))
    return current


def end_alert(*, alert: Alert, by, now=None) -> Alert:
    """Take the alert down now (it expires at once)."""
    if not (by and by.is_active and by.has_perm("alerts.change_alert")):
        raise PermissionDenied(CANNOT_CHANGE)
    now = now or timezone.now()
    with transaction.atomic():
        current = Alert.objects.select_for_update().get(pk=alert.pk)
        if current.expires_at <= now:
            raise ValidationError(ALREADY_OVER)
        current.expires_at = max(now, current.starts_at + timedelta(microseconds=1))
        current.save(update_fields=["expires_at", "updated_at"])
        _record(current, "ended", by)
    return current


def delete_alert(*, alert: Alert, by) -> None:
    """Delete an alert; its audit rows stay (with its text)."""
    if not (by and by.is_active and by.has_perm("alerts.delete_alert")):
        raise PermissionDenied(CANNOT_DELETE)
    with transaction.atomic():
        _record(alert, "deleted", by)
        alert.delete()


def record_push(*, alert: Alert, by, send_id: int) -> None:
    """Note in the alert's audit trail that it was sent as a push notification."""
    _record(alert, "pushed", by, f"push send #{send_id}")


def _alerts_keys(_alert) -> set[str]:
    return {ALERTS_KEY}


def connect() -> None:
    """Purge the alerts endpoint on every save and delete of an alert, wherever it happens."""
    cache.purge_on_save(Alert, _alerts_keys)


# --- what readers get ------------------------------------------------------------------------


def current_alerts(now) -> list[dict]:
    """The active alerts as the endpoint serves them, the most serious and newest first."""
    from articles.alerts.models import LEVEL_ORDER

    alerts = Alert.objects.active(now).select_related("section")
    rows = sorted(alerts, key=lambda a: (LEVEL_ORDER.get(a.level, 9), -a.starts_at.timestamp()))
    return [
        {
            "id": a.pk,
            "text": a.text,
            "url": a.url,
            "level": a.level,
            "level_label": a.get_level_display(),
            "section": a.section.slug if a.section_id else None,
            "expires_at": a.expires_at.isoformat(),
        }
        for a in rows
    ]
