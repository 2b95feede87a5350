"""Who may take which transition: the table, the refusal messages and the checks."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from articles.models import (
    Article,
    passed_second_factor,
)

Status = Article.Status

# Who may take a transition: the article's own writer (or an editor), editors only, the scheduler.
WRITER, EDITOR, SYSTEM = "writer", "editor", "system"


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset
    target: str
    who: str


TRANSITIONS = {
    "submit": Transition("Submit for review", frozenset({Status.DRAFT}), Status.IN_REVIEW, WRITER),
    "withdraw": Transition(
        "Withdraw submission", frozenset({Status.IN_REVIEW}), Status.DRAFT, WRITER
    ),
    "send_back": Transition("Send back", frozenset({Status.IN_REVIEW}), Status.DRAFT, EDITOR),
    "publish": Transition(
        "Publish now", frozenset({Status.IN_REVIEW, Status.UNPUBLISHED}), Status.PUBLISHED, EDITOR
    ),
    "schedule": Transition("Schedule", frozenset({Status.IN_REVIEW}), Status.SCHEDULED, EDITOR),
    "cancel_schedule": Transition(
        "Cancel schedule", frozenset({Status.SCHEDULED}), Status.DRAFT, EDITOR
    ),
    "unpublish": Transition("Unpublish", frozenset({Status.PUBLISHED}), Status.UNPUBLISHED, EDITOR),
    "revert_to_draft": Transition(
        "Back to draft", frozenset({Status.UNPUBLISHED}), Status.DRAFT, EDITOR
    ),
    "scheduled_publish": Transition(
        "Published by the scheduler", frozenset({Status.SCHEDULED}), Status.PUBLISHED, SYSTEM
    ),
    "scheduled_unpublish": Transition(
        "Unpublished by the scheduler",
        frozenset({Status.PUBLISHED, Status.SCHEDULED}),
        Status.UNPUBLISHED,
        SYSTEM,
    ),
}

# Refusal messages (the tests reuse them).
NOT_ALLOWED_FROM = "“{label}” is not possible while the article is {status}."
NOT_YOUR_ARTICLE = "You can only work on your own articles."
EDITORS_ONLY = "Only editors can do this."
NOTE_REQUIRED = "Say what needs changing: sending back needs a note."
PUBLISH_AT_REQUIRED = "Choose a publish time in the future."
UNPUBLISH_BEFORE_PUBLISH = "The unpublish time must be after the publish time."
NOT_EDITABLE = "You can edit only your own articles while they are drafts."
LIVE_RESTORE_REFUSED = (
    "This article is live. Unpublish it first, then restore, review and publish it again."
)
DELETE_PUBLISHED_REFUSED = "An article that was ever published cannot be deleted: unpublish it."
EDIT_CONFLICT = "Someone else saved this article after you opened it."


def is_editor(user) -> bool:
    """Editors (and administrators) publish, schedule, unpublish and edit any article."""
    return user.is_active and user.has_perm("articles.publish_article")


def is_owner(user, article: Article) -> bool:
    """A writer owns an article they created or that carries their byline."""
    if not user.is_authenticated or article.pk is None:
        return False
    if article.created_by_id == user.pk:
        return True
    return article.bylines.filter(author__user=user).exists()


def can_view(user, article: Article) -> bool:
    """The one view rule (docs/security.md): may `user` see this article as it is now?"""
    return Article.objects.visible_to(user).filter(pk=article.pk).exists()


def can_work_on(user, article: Article) -> bool:
    """Preview, history, diff and share links (never public): editors and the article's owners,
    once they gave the second factor."""
    if not passed_second_factor(user):
        return False
    return user.has_perm("articles.change_article") and (is_editor(user) or is_owner(user, article))


def can_edit(user, article: Article) -> bool:
    """Editors edit anything; writers their own drafts (including those sent back); neither
    before the second factor."""
    if not passed_second_factor(user) or not user.has_perm("articles.change_article"):
        return False
    if is_editor(user):
        return True
    return article.status == Status.DRAFT and is_owner(user, article)


def restore_refusal(user, article: Article) -> Exception | None:
    """Why `user` may not restore a revision of `article` now (None: they may).

    Editors restore on any article that is not live; a writer on a draft they may edit. The
    history page offers "Restore" exactly when this is None, and the service refuses with it.
    """
    if not can_edit(user, article):
        return PermissionDenied(EDITORS_ONLY if article.status != Status.DRAFT else NOT_EDITABLE)
    if (
        article.status == Status.PUBLISHED
        or Article.objects.published().filter(pk=article.pk).exists()
    ):
        return ValidationError(LIVE_RESTORE_REFUSED)
    return None


def can_restore(user, article: Article) -> bool:
    """Whether the history page offers "Restore as draft" (see `restore_refusal`)."""
    return restore_refusal(user, article) is None


def may(user, action: str, article: Article) -> bool:
    """Whether `user` may take `action` on `article` now (table and permission)."""
    try:
        _check(user, action, article)
    except (PermissionDenied, ValidationError):
        return False
    return True


def allowed_actions(user, article: Article) -> list[str]:
    """The transitions the user may take on the article now, in table order."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if transition.who != SYSTEM and may(user, action, article)
    ]


def _check(user, action: str, article: Article) -> Transition:
    transition = TRANSITIONS[action]
    if transition.who == SYSTEM:
        raise PermissionDenied(EDITORS_ONLY)
    if transition.who == EDITOR and not is_editor(user):
        raise PermissionDenied(EDITORS_ONLY)
    if transition.who == WRITER and not is_editor(user):
        if not user.has_perm("articles.change_article") or not is_owner(user, article):
            raise PermissionDenied(NOT_YOUR_ARTICLE)
    if article.status not in transition.sources:
        raise ValidationError(
            NOT_ALLOWED_FROM.format(label=transition.label, status=article.get_status_display())
        )
    return transition
