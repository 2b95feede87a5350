"""Soft edit locks: a warning that someone else has the change form open.

Each open form keeps its own row (one per article and user): the page load and a heartbeat
every 20 seconds touch it (`touch_edit_lock`), and leaving the page drops it, so everyone
with the story open is told about everyone else, both ways, within one heartbeat, and
"X is editing" disappears within a minute of X going away.
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


def touch_edit_lock(*, article: Article, user) -> list[EditLock]:
    """Note that `user` has the change form open; return the others' live locks, first first."""
    now = timezone.now()
    live = now - EDIT_LOCK_TIMEOUT
    locks = list(
        EditLock.objects.filter(article=article, seen_at__gt=live)
        .select_related("user")
        .order_by("since", "pk")
    )
    own = next((lock for lock in locks if lock.user_id == user.pk), None)
    if own is not None:
        EditLock.objects.filter(pk=own.pk).update(seen_at=now)
    else:
        EditLock.objects.update_or_create(
            article=article, user=user, defaults={"since": now, "seen_at": now}
        )
    return [lock for lock in locks if lock.user_id != user.pk]


def leave_edit_lock(*, article: Article, user) -> None:
    """`user` closed the form: drop their lock (the others' stay)."""
    EditLock.objects.filter(article=article, user=user).delete()


def take_over_edit_lock(*, article: Article, by) -> None:
    """An editor takes over: the others' locks go, so the editor is the first with the form
    open; forms still open say so again at their next heartbeat, as having come after."""
    if not is_editor(by):
        raise PermissionDenied(EDITORS_ONLY)
    EditLock.objects.filter(article=article).exclude(user=by).delete()
    now = timezone.now()
    EditLock.objects.update_or_create(
        article=article, user=by, defaults={"since": now, "seen_at": now}
    )


def describe_editors(locks: list[EditLock]) -> str:
    """ "anna is editing since 09:30." / "anna (since 09:30) and ben (since 09:41) are editing." """
    if not locks:
        return ""

    def who(lock):
        return lock.user.get_full_name() or lock.user.username

    def since(lock):
        return timezone.localtime(lock.since).strftime("%H:%M")

    if len(locks) == 1:
        return f"{who(locks[0])} is editing since {since(locks[0])}."
    names = [f"{who(lock)} (since {since(lock)})" for lock in locks]
    return f"{', '.join(names[:-1])} and {names[-1]} are editing."
