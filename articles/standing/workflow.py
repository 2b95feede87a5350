"""A standing page's workflow, as an article's: draft → in review → published (and back), each
step checked against the transition table and the user's permission, saved with a revision and
an audit row in one transaction. Purges follow from the save (`services._page_changed`)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from articles.standing.models import Page, PageAuditEntry, PageRevision, PageStatus

CANNOT_EDIT = "You may not edit standing pages."
CANNOT_PUBLISH = "Only editors who may publish standing pages can publish or unpublish them."
NOT_ALLOWED = "A page that is “{status}” cannot be {verb}."

# action → (allowed from, to, verb for the refusal, permission)
TRANSITIONS = {
    "submit": ({PageStatus.DRAFT}, PageStatus.IN_REVIEW, "sent for review", "change"),
    "return": ({PageStatus.IN_REVIEW}, PageStatus.DRAFT, "returned to draft", "change"),
    "publish": ({PageStatus.DRAFT, PageStatus.IN_REVIEW}, PageStatus.PUBLISHED, "published",
                "publish"),
    "unpublish": ({PageStatus.PUBLISHED}, PageStatus.DRAFT, "unpublished", "publish"),
}  # fmt: skip


def can_edit(user) -> bool:
    return bool(user and user.is_active and user.has_perm("standing.change_page"))


def can_publish(user) -> bool:
    return can_edit(user) and user.has_perm("standing.publish_page")


def snapshot(page: Page) -> dict:
    """The page as plain JSON data (a revision's content)."""
    return {
        "title": page.title,
        "slug": page.slug,
        "kind": page.kind,
        "body": page.body,
        "status": page.status,
    }


def record_revision(*, page: Page, by, reason: str) -> PageRevision:
    """Store the page as it is now as its next revision."""
    last = page.revisions.aggregate(last=Max("number"))["last"] or 0
    return PageRevision.objects.create(
        page=page, number=last + 1, data=snapshot(page), reason=reason, created_by=by
    )


def save_page(*, page: Page, by, reason: str = "Edited") -> Page:
    """Save an edit (the status stays as it is) with a revision."""
    if not can_edit(by):
        raise PermissionDenied(CANNOT_EDIT)
    with transaction.atomic():
        created = page._state.adding
        page.save()
        record_revision(page=page, by=by, reason="Created" if created else reason)
    return page


def _move(*, page: Page, by, action: str, note: str = "") -> Page:
    allowed, to, verb, permission = TRANSITIONS[action]
    if not (can_publish(by) if permission == "publish" else can_edit(by)):
        raise PermissionDenied(CANNOT_PUBLISH if permission == "publish" else CANNOT_EDIT)
    with transaction.atomic():
        page = Page.objects.select_for_update().get(pk=page.pk)
        if page.status not in allowed:
            raise ValidationError(
                NOT_ALLOWED.format(status=page.get_status_display().lower(), verb=verb)
            )
        before, page.status = page.status, to
        page.save(update_fields=["status", "updated_at"])
        PageAuditEntry.objects.create(
            page=page, action=action, from_status=before, to_status=to, user=by, note=note
        )
        record_revision(page=page, by=by, reason=verb.capitalize())
    return page


def submit_for_review(*, page: Page, by) -> Page:
    """A draft goes to the editors."""
    return _move(page=page, by=by, action="submit")


def return_to_draft(*, page: Page, by) -> Page:
    """A page in review goes back to its writer."""
    return _move(page=page, by=by, action="return")


def publish(*, page: Page, by) -> Page:
    """Readers see the page (and the footer, sitemap and publisher data name it)."""
    return _move(page=page, by=by, action="publish")


def unpublish(*, page: Page, by) -> Page:
    """Take a published page down (back to draft)."""
    return _move(page=page, by=by, action="unpublish")
