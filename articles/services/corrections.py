"""Corrections: editors add notes to published articles without unpublishing them."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.delivery import cache
from articles.models import Article, Correction
from articles.services.permissions import EDITORS_ONLY, is_editor
from articles.services.revisions import _audit, _locked, record_revision

CORRECTION_NOT_LIVE = (
    "Corrections are added to published articles. This one is not live: edit it instead."
)
CORRECTION_TEXT_REQUIRED = "Write the note readers will see."
CORRECTION_TEXT_MAX = 2000
CORRECTION_TEXT_TOO_LONG = f"Keep the note under {CORRECTION_TEXT_MAX} characters."


def correction_problems(*, article: Article | None, text: str, by) -> list[str]:
    """Why this note cannot be added now ([] when it can); raises PermissionDenied."""
    if not is_editor(by):
        raise PermissionDenied(EDITORS_ONLY)
    problems = []
    if article is not None and not Article.objects.published().filter(pk=article.pk).exists():
        problems.append(CORRECTION_NOT_LIVE)
    if not (text or "").strip():
        problems.append(CORRECTION_TEXT_REQUIRED)
    elif len(text.strip()) > CORRECTION_TEXT_MAX:
        problems.append(CORRECTION_TEXT_TOO_LONG)
    return problems


def add_correction(*, article: Article, kind: str, text: str, by, at=None) -> Correction:
    """Add a correction (or clarification, editor's note, update) to a live article.

    The article stays published; its updated time moves to the note's time (what feeds and
    structured data show as modified), and the note is recorded as a revision and in the
    audit log.
    """
    if kind not in Correction.Kind.values:
        raise ValidationError(f"Unknown kind of note: {kind}.")
    with transaction.atomic():
        current = _locked(article)
        problems = correction_problems(article=current, text=text, by=by)
        if problems:
            raise ValidationError(problems)
        at = at or timezone.now()
        correction = Correction.objects.create(
            article=current, kind=kind, text=text.strip(), created_at=at, created_by=by
        )
        # A queryset update: the note is no edit, so the version (and open forms) stay valid.
        Article.objects.filter(pk=current.pk).update(updated_at=at)
        label = correction.get_kind_display()
        record_revision(article=current, by=by, reason=f"{label} added")
        _audit(current, "correction", current.status, by, f"{label}: {correction.text}")
        cache.purge_on_commit(cache.keys_for_correction(current))
    article.updated_at = at
    return correction
