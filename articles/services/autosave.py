"""Autosave: what someone is typing, kept without touching the article itself.

An autosave never publishes, never takes a transition, never bumps the version (which would
turn the writer's own next save into a false conflict) and never changes what readers see.

- A draft (anything not live) keeps it as a revision marked `is_autosave`: one per author and
  article, replaced in place by each autosave (so the history is not flooded), shown as
  "Autosave" in the history, restorable there, and dropped when its author saves.
- A live article and a new, never-saved article keep a private `Autosave` row instead, which
  only its owner is offered back: a live article's history stays what was published.

Either way its owner gets "Restore unsaved changes?" on the next visit (`autosave_for`).
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.models import Article, Author, Autosave, Revision, Section
from articles.richtext.sanitizer import clean_html
from articles.services.permissions import NOT_EDITABLE, Status, can_edit
from articles.services.revisions import _locked, snapshot

# The form fields an autosave keeps (bylines as author ids in order, tags as names).
AUTOSAVE_FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "section",
    "lead_image",
    "seo_title",
    "seo_description",
    "tag_list",
    "byline_list",
]
AUTOSAVE_CONFLICT = (
    "Someone else saved this article after you opened it: autosave is paused. "
    "Save to see both versions side by side."
)
AUTOSAVE_INVALID = "Autosave is paused until the marked fields are fixed."
AUTOSAVE_REASON = "Autosave"


@dataclass(frozen=True)
class AutosaveCopy:
    """Someone's autosaved form: the typed fields, the version it was typed on, when."""

    data: dict
    loaded_version: int | None
    saved_at: datetime
    revision: Revision | None = None


def keeps_revision(article: Article | None) -> bool:
    """Whether an autosave of `article` is a draft revision (else a private copy)."""
    return article is not None and article.status != Status.PUBLISHED


def save_autosave(
    *, article: Article | None, by, data: dict, loaded_version: int | None
) -> AutosaveCopy:
    """Keep `by`'s unsaved form for `article` (None: a new article)."""
    if article is not None and not can_edit(by, article):
        raise PermissionDenied(NOT_EDITABLE)
    if article is None and not by.has_perm("articles.add_article"):
        raise PermissionDenied(NOT_EDITABLE)
    kept = {field: data[field] for field in AUTOSAVE_FIELDS if field in data}
    if "body" in kept:
        kept["body"] = clean_html(kept["body"] or "")
    now = timezone.now()
    with transaction.atomic():
        if keeps_revision(article):
            return _save_revision(article=article, by=by, kept=kept, at=now)
        autosave, _ = Autosave.objects.update_or_create(
            article=article,
            user=by,
            defaults={"data": kept, "loaded_version": loaded_version, "saved_at": now},
        )
    return AutosaveCopy(autosave.data, autosave.loaded_version, autosave.saved_at)


def _save_revision(*, article, by, kept, at) -> AutosaveCopy:
    # The row lock orders this against a real save's version claim (and a second autosave);
    # reading it back changes nothing on the article.
    article = _locked(article)
    data = snapshot(article)
    for field in AUTOSAVE_FIELDS:
        if field not in kept or field in ("section", "tag_list", "byline_list"):
            continue
        data[field] = kept[field]
    if "section" in kept:
        data["section"] = kept["section"]
        data["section_name"] = (
            Section.objects.filter(pk=kept["section"]).values_list("name", flat=True).first() or ""
        )
    if "tag_list" in kept:
        data["tags"] = list(kept["tag_list"])
    if "byline_list" in kept:
        names = dict(Author.objects.filter(pk__in=kept["byline_list"]).values_list("pk", "name"))
        data["bylines"] = [
            {"author": pk, "name": names[pk]} for pk in kept["byline_list"] if pk in names
        ]
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    revision = Revision.objects.filter(article=article, created_by=by, is_autosave=True).first()
    if revision is None:
        revision = Revision(
            article=article, created_by=by, is_autosave=True, reason=AUTOSAVE_REASON
        )
    if revision.number != last:
        revision.number = last + 1  # stays the newest entry of the history
    revision.data, revision.created_at = data, at
    revision.save()
    Autosave.objects.filter(article=article, user=by).delete()
    return _from_revision(revision)


def _from_revision(revision: Revision) -> AutosaveCopy:
    data = revision.data
    form = {field: data.get(field, "") for field in AUTOSAVE_FIELDS[:-2]}
    form["tag_list"] = list(data.get("tags", []))
    form["byline_list"] = [byline["author"] for byline in data.get("bylines", [])]
    return AutosaveCopy(form, data.get("version"), revision.created_at, revision)


def autosave_for(*, article: Article | None, user) -> AutosaveCopy | None:
    """`user`'s own autosave of `article` (None: of a new article), if any."""
    if article is not None:
        revision = Revision.objects.filter(
            article=article, created_by=user, is_autosave=True
        ).first()
        if revision is not None:
            return _from_revision(revision)
    autosave = Autosave.objects.filter(article=article, user=user).first()
    if autosave is None:
        return None
    return AutosaveCopy(autosave.data, autosave.loaded_version, autosave.saved_at)


def discard_autosave(*, article: Article | None, user) -> None:
    """Drop `user`'s autosave (after they saved, or when they decline to restore it)."""
    Autosave.objects.filter(article=article, user=user).delete()
    if article is not None:
        Revision.objects.filter(article=article, created_by=user, is_autosave=True).delete()
