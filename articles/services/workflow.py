"""The transitions themselves, the pre-publish checks, the scheduler and data loading."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.delivery import cache
from articles.models import (
    Article,
    Byline,
)
from articles.models.articles import PUBLIC_STATUSES
from articles.services.notifications import enqueue_notification
from articles.services.permissions import (
    DELETE_PUBLISHED_REFUSED,
    EDITORS_ONLY,
    NOTE_REQUIRED,
    PUBLISH_AT_REQUIRED,
    TRANSITIONS,
    UNPUBLISH_BEFORE_PUBLISH,
    Status,
    _check,
)
from articles.services.publish_options import run_on_commit
from articles.services.revisions import _audit, _locked, record_revision

# Pre-publish checks, and the transitions they stop while they fail.
CHECKED_TRANSITIONS = ("publish", "schedule")
SEO_DESCRIPTION_MIN, SEO_DESCRIPTION_MAX = 50, 160
CHECK_HEADLINE = "Write a headline."
CHECK_SLUG = "Give the article a slug (its address)."
CHECK_SECTION = "File the article in a section."
CHECK_AUTHOR = "Add at least one author to the byline."
CHECK_TAG = "Add at least one tag."
CHECK_ALT = "Describe the lead image (alt text)."
CHECK_SEO = (
    f"The search description (SEO description, or the standfirst when that is empty) must be "
    f"{SEO_DESCRIPTION_MIN}–{SEO_DESCRIPTION_MAX} characters; it is {{length}}."
)


def _is_public(article: Article) -> bool:
    return Article.objects.published().filter(pk=article.pk).exists()


def _went_live(article: Article) -> bool:
    """Readers were shown the article as stored (live status, publish time come), even if its
    unpublish time has passed since: the clock took it down and nothing purged then."""
    return (
        article.status in PUBLIC_STATUSES
        and article.published_at is not None
        and article.published_at <= timezone.now()
    )


def _apply(article: Article, action: str, by, note="", **fields) -> Article:
    """Move the article (row-locked) along `action`, with revision, audit, mail and purge."""
    from_status = article.status
    was_public = _went_live(article) or _is_public(article)
    article.status = TRANSITIONS[action].target
    for name, value in fields.items():
        setattr(article, name, value)
    article.version = F("version") + 1
    article.save()
    article.refresh_from_db(fields=["version", "updated_at", "first_published_at"])
    record_revision(article=article, by=by, reason=TRANSITIONS[action].label)
    _audit(article, action, from_status, by, note)
    enqueue_notification(article=article, action=action, note=note)
    if was_public or _is_public(article):
        cache.purge_on_commit(cache.keys_for_article(article))
    return article


def _transition(action, *, article, by, note="", **fields) -> Article:
    with transaction.atomic():
        current = _locked(article)
        _check(by, action, current)
        if action in CHECKED_TRANSITIONS:
            problems = prepublish_problems(current)
            if problems:
                raise ValidationError(problems)
        _apply(current, action, by, note, **fields)
    _copy_state(current, article)
    return current


def _copy_state(source: Article, target: Article) -> None:
    for name in ["status", "published_at", "unpublish_at", "first_published_at", "version"]:
        setattr(target, name, getattr(source, name))


# --- the transitions ---------------------------------------------------------------------------


def submit_for_review(*, article: Article, by) -> Article:
    """Hand a draft to the editors."""
    return _transition("submit", article=article, by=by)


def withdraw(*, article: Article, by) -> Article:
    """Take a submission back to draft before an editor acts on it."""
    return _transition("withdraw", article=article, by=by)


def send_back(*, article: Article, by, note: str) -> Article:
    """Return an article in review to its writer with a note saying what to change."""
    if not (note or "").strip():
        raise ValidationError(NOTE_REQUIRED)
    return _transition("send_back", article=article, by=by, note=note.strip())


def publish_now(*, article: Article, by, options=None, report=None) -> Article:
    """Put an approved article live now (an article that was live before keeps its date).
    `options`: the publish step's choices ({name: [values]}, publish_options.py), run once
    the story is live; `report(message)` hears what they could not do."""
    if options:
        with transaction.atomic():
            moved = publish_now(article=article, by=by)
            run_on_commit(article=moved, by=by, chosen=options, report=report)
        return moved
    now = timezone.now()
    article = Article.objects.get(pk=article.pk)  # the stored times, not a stale copy's
    published_at = article.published_at if article.first_published_at else None
    if published_at is None or published_at > now:
        published_at = now
    unpublish_at = article.unpublish_at
    if unpublish_at and unpublish_at <= now:
        unpublish_at = None
    return _transition(
        "publish",
        article=article,
        by=by,
        published_at=published_at,
        unpublish_at=unpublish_at,
    )


def schedule(*, article: Article, by, publish_at: datetime, unpublish_at=None) -> Article:
    """Approve an article to go live at `publish_at` (and optionally come down again)."""
    if publish_at is None or publish_at <= timezone.now():
        raise ValidationError(PUBLISH_AT_REQUIRED)
    if unpublish_at is not None and unpublish_at <= publish_at:
        raise ValidationError(UNPUBLISH_BEFORE_PUBLISH)
    return _transition(
        "schedule",
        article=article,
        by=by,
        published_at=publish_at,
        unpublish_at=unpublish_at,
    )


def cancel_schedule(*, article: Article, by) -> Article:
    """Stop a scheduled article from going live; it goes back to draft."""
    return _transition("cancel_schedule", article=article, by=by)


def unpublish(*, article: Article, by, note: str = "") -> Article:
    """Take a live article down (its address answers 404 to readers)."""
    return _transition("unpublish", article=article, by=by, note=note, unpublish_at=None)


def revert_to_draft(*, article: Article, by) -> Article:
    """Bring an unpublished article back to draft to rework it."""
    return _transition("revert_to_draft", article=article, by=by)


TRANSITION_FUNCTIONS = {
    "submit": submit_for_review,
    "withdraw": withdraw,
    "send_back": send_back,
    "publish": publish_now,
    "schedule": schedule,
    "cancel_schedule": cancel_schedule,
    "unpublish": unpublish,
    "revert_to_draft": revert_to_draft,
}


# --- pre-publish checks ------------------------------------------------------------------------


def prepublish_problems(article: Article) -> list[str]:
    """What stops the article from going live, as messages for the editor (empty: none)."""
    problems = []
    if not article.headline.strip():
        problems.append(CHECK_HEADLINE)
    if not article.slug.strip():
        problems.append(CHECK_SLUG)
    if not article.section_id:
        problems.append(CHECK_SECTION)
    if article.pk is None or not article.bylines.exists():
        problems.append(CHECK_AUTHOR)
    if article.pk is None or not article.tagged_items.exists():
        problems.append(CHECK_TAG)
    if article.lead_image is not None and not article.lead_image.alt_text.strip():
        problems.append(CHECK_ALT)
    length = len(article.description_for_seo.strip())
    if not SEO_DESCRIPTION_MIN <= length <= SEO_DESCRIPTION_MAX:
        problems.append(CHECK_SEO.format(length=length))
    return problems


# --- the scheduler -----------------------------------------------------------------------------


def run_due(*, now=None) -> dict[str, int]:
    """Flip every due scheduled article to published and every due unpublish to unpublished.

    Each article is claimed under `SELECT … FOR UPDATE SKIP LOCKED` in its own transaction, so
    any number of schedulers can run at once and each article is flipped exactly once; a run
    killed half-way loses nothing (the next run picks up whatever was not committed).
    """
    counts = {"published": 0, "unpublished": 0}
    for action, key, queryset in [
        ("scheduled_publish", "published", Article.objects.due_to_publish),
        ("scheduled_unpublish", "unpublished", Article.objects.due_to_unpublish),
    ]:
        while True:
            with transaction.atomic():
                article = (
                    queryset(now)
                    .select_for_update(skip_locked=True)
                    .order_by("published_at", "pk")
                    .first()
                )
                if article is None:
                    break
                _apply(article, action, by=None)
                counts[key] += 1
    return counts


def delete_article(*, article: Article, by) -> None:
    """Delete an article that never went live."""
    if not by.has_perm("articles.delete_article"):
        raise PermissionDenied(EDITORS_ONLY)
    if article.first_published_at or article.status in (Status.PUBLISHED, Status.UNPUBLISHED):
        raise ValidationError(DELETE_PUBLISHED_REFUSED)
    article.delete()


def import_article(
    *, article: Article, status: str, published_at=None, authors=(), tags=(), by=None
) -> Article:
    """Data loading (demo content, imports): store an article in a given status as it is.

    The one deliberate bypass of the transition table, for content that arrives already in a
    state (it never runs for a user's request). It still writes a revision and an audit entry.
    """
    with transaction.atomic():
        article.status = status
        article.published_at = published_at
        article.created_by = article.created_by or by
        article.save()
        for position, author in enumerate(authors):
            Byline.objects.create(article=article, author=author, position=position)
        if tags:
            article.tags.set(tags)
        record_revision(article=article, by=by, reason="Loaded as data")
        _audit(article, "import", "", by, "Loaded as data")
        if _is_public(article):
            cache.purge_on_commit(cache.keys_for_article(article))
    return article
