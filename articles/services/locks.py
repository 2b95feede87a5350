"""Soft edit locks: a warning that someone else has the change form open.

The open form sends a heartbeat (`touch_edit_lock`) every 20 seconds and releases its lock
when the page is left, so "X is editing" disappears within a minute of X going away.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles.models import (
    Article,
    EditLock,
)
from articles.services.permissions import EDITORS_ONLY, is_editor

EDIT_LOCK_TIMEOUT = timedelta(seconds=60)
HEARTBEAT_SECONDS = 20


def touch_edit_lock(*, article: Article, user, take_over: bool = False) -> EditLock | None:
    """Note that `user` has the change form open; return someone else's live lock, if any."""
    now = timezone.now()
    lock = EditLock.objects.filter(article=article).select_related("user").first()
    if lock and lock.user_id != user.pk and lock.seen_at > now - EDIT_LOCK_TIMEOUT:
        if not take_over:
            return lock
    if lock and lock.user_id == user.pk and lock.seen_at > now - EDIT_LOCK_TIMEOUT:
        EditLock.objects.filter(pk=lock.pk).update(seen_at=now)
        return None
    EditLock.objects.update_or_create(
        article=article, defaults={"user": user, "since": now, "seen_at": now}
    )
    return None


def leave_edit_lock(*, article: Article, user) -> None:
    """`user` closed the form: drop their lock (someone else's stays)."""
    EditLock.objects.filter(article=article, user=user).delete()


def take_over_edit_lock(*, article: Article, by) -> None:
    """An editor takes over the soft lock from whoever had the form open."""
    if not is_editor(by):
        raise PermissionDenied(EDITORS_ONLY)
    touch_edit_lock(article=article, user=by, take_over=True)
