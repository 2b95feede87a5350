"""The editorial workflow: every status change of an article happens here.

One transition table (`TRANSITIONS`) says which action moves an article from which statuses to
which, and who may take it. Each service function checks the table and the user's permission,
saves, writes a revision and an audit entry in one transaction, and defers side effects (mail) to
`transaction.on_commit`. Nothing outside this module assigns `Article.status`.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles import roles
from articles.models import (
    Article,
    AuditEntry,
    Author,
    Byline,
    EditLock,
    OldSlug,
    PreviewToken,
    Revision,
    Section,
    TaggedArticle,
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

# Pre-publish checks.
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

PREVIEW_SALT = "articles.share-preview"
PREVIEW_LIFETIME = timedelta(hours=48)
EDIT_LOCK_TIMEOUT = timedelta(minutes=15)

# Fields a revision snapshots and a restore puts back (besides bylines and tags).
EDITORIAL_FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
    "section",
    "seo_title",
    "seo_description",
    "ads_disabled",
]
SNAPSHOT_FIELDS = [*EDITORIAL_FIELDS, "bylines", "tags", "status", "published_at", "unpublish_at"]


class EditConflict(Exception):
    """A save was made from a version that is no longer the latest."""

    def __init__(self, current):
        super().__init__(EDIT_CONFLICT)
        self.current = current


# --- who may do what ---------------------------------------------------------------------------


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


def can_edit(user, article: Article) -> bool:
    """Editors edit anything; writers their own drafts (including those sent back)."""
    if not user.has_perm("articles.change_article"):
        return False
    if is_editor(user):
        return True
    return article.status == Status.DRAFT and is_owner(user, article)


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


# --- snapshots, revisions, audit ---------------------------------------------------------------


def snapshot(article: Article) -> dict:
    """The editorial state of an article as plain JSON data."""

    def when(value):
        return value.isoformat() if value else None

    return {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "lead_image": article.lead_image.name or "",
        "lead_image_alt": article.lead_image_alt,
        "lead_image_caption": article.lead_image_caption,
        "lead_image_credit": article.lead_image_credit,
        "section": article.section_id,
        "section_name": article.section.name if article.section_id else "",
        "seo_title": article.seo_title,
        "seo_description": article.seo_description,
        "ads_disabled": article.ads_disabled,
        "bylines": [
            {"author": b.author_id, "name": b.author.name}
            for b in Byline.objects.filter(article=article).select_related("author")
        ],
        "tags": [
            item.tag.name
            for item in TaggedArticle.objects.filter(content_object=article)
            .select_related("tag")
            .order_by("pk")
        ],
        "status": article.status,
        "published_at": when(article.published_at),
        "unpublish_at": when(article.unpublish_at),
        "version": article.version,
    }


def record_revision(*, article: Article, by, reason: str) -> Revision:
    """Store a new revision of the article as it is in the database now."""
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return Revision.objects.create(
        article=article, number=last + 1, data=snapshot(article), reason=reason, created_by=by
    )


def display_value(data: dict, field: str) -> str:
    """A revision field as an editor reads it."""
    value = data.get(field)
    if field == "bylines":
        return ", ".join(b["name"] for b in value or [])
    if field == "tags":
        return ", ".join(value or [])
    if field == "section":
        return data.get("section_name", "")
    if value is None:
        return ""
    return str(value)


def diff(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(field, old value, new value) for every snapshot field that differs."""
    rows = []
    for field in SNAPSHOT_FIELDS:
        before, after = display_value(old, field), display_value(new, field)
        if before != after:
            rows.append((field, before, after))
    return rows


def _audit(article, action, from_status, by, note=""):
    return AuditEntry.objects.create(
        article=article,
        action=action,
        from_status=from_status,
        to_status=article.status,
        note=note,
        user=by,
    )


def _apply(article: Article, action: str, by, note="", **fields) -> Article:
    """Move the article (row-locked) along `action`, with revision, audit and mail."""
    from_status = article.status
    article.status = TRANSITIONS[action].target
    for name, value in fields.items():
        setattr(article, name, value)
    article.version = F("version") + 1
    article.save()
    article.refresh_from_db(fields=["version", "updated_at", "first_published_at"])
    record_revision(article=article, by=by, reason=TRANSITIONS[action].label)
    _audit(article, action, from_status, by, note)
    transaction.on_commit(lambda: notify(article=article, action=action, note=note))
    return article


def _locked(article: Article) -> Article:
    """The article re-read under a row lock, so two requests cannot both move it."""
    fresh = Article.objects.select_for_update().get(pk=article.pk)
    return fresh


def _transition(action, *, article, by, note="", checks=False, **fields) -> Article:
    with transaction.atomic():
        current = _locked(article)
        _check(by, action, current)
        if checks:
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


def publish_now(*, article: Article, by) -> Article:
    """Put an approved article live now (an article that was live before keeps its date)."""
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
        checks=True,
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
        checks=True,
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
    if article.lead_image and not article.lead_image_alt.strip():
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


# --- saves from the admin ----------------------------------------------------------------------


def claim_version(*, article: Article, loaded_version: int) -> int:
    """Bump the version if it is still `loaded_version` (one conditional UPDATE), else conflict.

    Call inside the transaction that saves the article: the UPDATE holds the row lock until it
    commits, so a racing save waits and then finds the version changed.
    """
    updated = Article.objects.filter(pk=article.pk, version=loaded_version).update(
        version=F("version") + 1
    )
    if not updated:
        raise EditConflict(Article.objects.get(pk=article.pk))
    return loaded_version + 1


def record_edit(*, article: Article, by, old_slug: str | None = None, reason="Edited") -> None:
    """After an edit is saved: remember an old published slug, store a revision."""
    if old_slug and old_slug != article.slug and article.first_published_at:
        OldSlug.objects.filter(slug=article.slug).delete()
        OldSlug.objects.get_or_create(slug=old_slug, defaults={"article": article})
    record_revision(article=article, by=by, reason=reason)


def restore_revision(*, revision: Revision, by) -> Article:
    """Put an old revision's content back as a new draft revision (never publishes)."""
    if not is_editor(by):
        raise PermissionDenied(EDITORS_ONLY)
    with transaction.atomic():
        article = _locked(revision.article)
        if article.status == Status.PUBLISHED or (
            Article.objects.published().filter(pk=article.pk).exists()
        ):
            raise ValidationError(LIVE_RESTORE_REFUSED)
        data = revision.data
        old_slug = article.slug
        for field in EDITORIAL_FIELDS:
            if field == "section":
                if Section.objects.filter(pk=data["section"]).exists():
                    article.section_id = data["section"]
            elif field == "lead_image":
                if article.lead_image.name != data["lead_image"]:
                    article.lead_image = data["lead_image"]
            elif field in data:
                setattr(article, field, data[field])
        from_status = article.status
        article.status = Status.DRAFT
        article.version = F("version") + 1
        article.save()
        article.refresh_from_db()
        authors = [b["author"] for b in data["bylines"]]
        existing = set(Author.objects.filter(pk__in=authors).values_list("pk", flat=True))
        Byline.objects.filter(article=article).delete()
        for position, author_id in enumerate(a for a in authors if a in existing):
            Byline.objects.create(article=article, author_id=author_id, position=position)
        article.tags.set(data["tags"])
        record_edit(
            article=article, by=by, old_slug=old_slug, reason=f"Restored from #{revision.number}"
        )
        if from_status != Status.DRAFT:
            _audit(article, "restore", from_status, by, f"Restored from #{revision.number}")
    return article


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
    return article


# --- soft edit locks ---------------------------------------------------------------------------


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


def take_over_edit_lock(*, article: Article, by) -> None:
    """An editor takes over the soft lock from whoever had the form open."""
    if not is_editor(by):
        raise PermissionDenied(EDITORS_ONLY)
    touch_edit_lock(article=article, user=by, take_over=True)


# --- share previews ----------------------------------------------------------------------------


def create_preview_token(*, article: Article, by, lifetime=PREVIEW_LIFETIME) -> str:
    """A signed share-preview token for the article, valid for `lifetime` unless revoked."""
    may_share = is_editor(by) or (by.has_perm("articles.change_article") and is_owner(by, article))
    if not may_share:
        raise PermissionDenied(NOT_YOUR_ARTICLE)
    now = timezone.now()
    token = PreviewToken.objects.create(
        article=article,
        key=secrets.token_urlsafe(24),
        created_by=by,
        created_at=now,
        expires_at=now + lifetime,
    )
    return signing.dumps(token.key, salt=PREVIEW_SALT)


def revoke_preview_token(*, token: PreviewToken, by) -> None:
    """Make a share-preview link stop working now."""
    if not is_editor(by) and token.created_by_id != by.pk:
        raise PermissionDenied(NOT_YOUR_ARTICLE)
    PreviewToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def article_for_preview_token(signed: str) -> Article | None:
    """The article a share-preview token opens, or None if it is forged, expired or revoked."""
    try:
        key = signing.loads(signed, salt=PREVIEW_SALT)
    except signing.BadSignature:
        return None
    token = PreviewToken.objects.filter(key=key).first()
    if token is None or not token.is_active:
        return None
    return Article.objects.for_detail().get(pk=token.article_id)


# --- notifications -----------------------------------------------------------------------------


def _editor_emails():
    users = get_user_model().objects.filter(groups__name=roles.EDITOR, is_active=True)
    return sorted({u.email for u in users if u.email})


def _byline_emails(article):
    authors = Author.objects.filter(bylines__article=article, user__isnull=False).select_related(
        "user"
    )
    return sorted({a.user.email for a in authors if a.user.email and a.user.is_active})


def notify(*, article: Article, action: str, note: str = "") -> None:
    """Mail the people who need to know about a transition (runs after the commit)."""
    site = settings.NEWSROOM_SITE_NAME
    if action == "submit":
        recipients, subject = _editor_emails(), f"[{site}] Ready for review: {article.headline}"
        body = f"“{article.headline}” is waiting for review."
    elif action == "send_back":
        recipients, subject = _byline_emails(article), f"[{site}] Changes requested: {article}"
        body = f"An editor sent “{article.headline}” back with this note:\n\n{note}"
    elif action in ("publish", "scheduled_publish"):
        recipients, subject = _byline_emails(article), f"[{site}] Published: {article.headline}"
        body = f"“{article.headline}” is live at {article.get_absolute_url()}"
    else:
        return
    if recipients:
        EmailMessage(subject, body, None, recipients).send()
