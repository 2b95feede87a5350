"""Revisions, the audit log and saves from the admin (versions, restores)."""

from django.db import transaction
from django.db.models import F

from articles.delivery import cache
from articles.media.models import Image
from articles.models import (
    Article,
    AuditEntry,
    Author,
    Byline,
    OldSlug,
    Revision,
    Section,
    Tag,
    TaggedArticle,
)
from articles.services.permissions import (
    EDIT_CONFLICT,
    Status,
    restore_refusal,
)

# Fields a revision snapshots and a restore puts back (besides bylines and tags).
EDITORIAL_FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "lead_image",
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


def snapshot(article: Article, *, authors=None, tag_names=None) -> dict:
    """The editorial state of an article as plain JSON data. A bulk writer that has just filed
    the article passes its `authors` (in byline order) and `tag_names` instead of a read back."""

    def when(value):
        return value.isoformat() if value else None

    return {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "lead_image": article.lead_image_id,
        "lead_image_label": str(article.lead_image) if article.lead_image_id else "",
        "section": article.section_id,
        "section_name": article.section.name if article.section_id else "",
        "seo_title": article.seo_title,
        "seo_description": article.seo_description,
        "ads_disabled": article.ads_disabled,
        "bylines": [
            {"author": b.author_id, "name": b.author.name}
            for b in Byline.objects.filter(article=article).select_related("author")
        ]
        if authors is None
        else [{"author": a.pk, "name": a.name} for a in authors],
        "tags": [
            item.tag.name
            for item in TaggedArticle.objects.filter(content_object=article)
            .select_related("tag")
            .order_by("pk")
        ]
        if tag_names is None
        else list(tag_names),
        "status": article.status,
        "published_at": when(article.published_at),
        "unpublish_at": when(article.unpublish_at),
        "version": article.version,
    }


def record_revision(*, article: Article, by, reason: str) -> Revision:
    """Store a new revision of the article as it is in the database now (after any autosave)."""
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
    if field == "lead_image":
        return data.get("lead_image_label") or ("" if value is None else f"Image {value}")
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


def _locked(article: Article) -> Article:
    """The article re-read under a row lock, so two requests cannot both move it."""
    fresh = Article.objects.select_for_update().get(pk=article.pk)
    return fresh


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
    """After an edit is saved: remember an old published slug, store a revision, and purge the
    cached pages a live article's change shows on."""
    if old_slug and old_slug != article.slug and article.first_published_at:
        OldSlug.objects.filter(slug=article.slug).delete()
        OldSlug.objects.get_or_create(slug=old_slug, defaults={"article": article})
    previous = article.revisions.order_by("-number").values_list("data", flat=True).first()
    record_revision(article=article, by=by, reason=reason)
    if Article.objects.published().filter(pk=article.pk).exists():
        cache.purge_on_commit(cache.keys_for_edit(article, _membership_keys(previous)))


def _membership_keys(data: dict | None) -> set[str]:
    """The listings a revision's article was on (section, tags, authors)."""
    if not data:
        return set()
    keys = {cache.section_key(data["section"])} if data.get("section") else set()
    keys |= {cache.author_key(b["author"]) for b in data.get("bylines", [])}
    names = data.get("tags", [])
    keys |= {
        cache.tag_key(pk) for pk in Tag.objects.filter(name__in=names).values_list("pk", flat=True)
    }
    return keys


def restore_revision(*, revision: Revision, by) -> Article:
    """Put an old revision's content back as a new draft revision (never publishes).

    An autosave revision restored this way becomes a real one, so it is no longer kept apart.
    """
    with transaction.atomic():
        article = _locked(revision.article)
        refusal = restore_refusal(by, article)
        if refusal is not None:
            raise refusal
        data = revision.data
        old_slug = article.slug
        for field in EDITORIAL_FIELDS:
            if field == "section":
                if Section.objects.filter(pk=data["section"]).exists():
                    article.section_id = data["section"]
            elif field == "lead_image":
                # A library image that has since been deleted is left out.
                image_id = data.get("lead_image")
                exists = isinstance(image_id, int) and Image.objects.filter(pk=image_id).exists()
                article.lead_image_id = image_id if exists else None
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
        if revision.is_autosave:
            revision.delete()
        record_edit(
            article=article, by=by, old_slug=old_slug, reason=f"Restored from #{revision.number}"
        )
        if from_status != Status.DRAFT:
            _audit(article, "restore", from_status, by, f"Restored from #{revision.number}")
    return article
