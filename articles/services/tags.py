"""Tags: rename, merge and prune, keeping every old tag address answering 301.

Revisions are never rewritten: they keep the tag names an article had when it was saved.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef

from articles import cache
from articles.models import Article, AuditEntry, OldTagSlug, Tag, TaggedArticle, refresh_tags

TAGS_EDITORS_ONLY = "Only editors can rename, merge or prune tags."
MERGE_INTO_ITSELF = "A tag cannot be merged into itself: choose a target that is not selected."
MERGE_NOTHING = "Choose at least one tag to merge."
MERGE_TARGET_GONE = "The target tag no longer exists (was it merged or deleted meanwhile?)."
SLUG_TAKEN = "Another tag already uses the address “{slug}”."


def _check(by, *perms):
    if not (by.is_active and all(by.has_perm(f"articles.{perm}_tag") for perm in perms)):
        raise PermissionDenied(TAGS_EDITORS_ONLY)


def remember_old_slug(*, tag: Tag, old_slug: str) -> None:
    """After a tag's slug changed: its old address redirects to it (and never loops)."""
    if not old_slug or old_slug == tag.slug:
        return
    # The live address wins over any old one, so a rename back never redirects to itself.
    OldTagSlug.objects.filter(slug=tag.slug).delete()
    OldTagSlug.objects.update_or_create(slug=old_slug, defaults={"tag": tag})


def rename_tag(*, tag: Tag, name: str, slug: str, by) -> Tag:
    """Give a tag a new name and address; the old address answers 301 to the new one."""
    _check(by, "change")
    name, slug = name.strip(), slug.strip()
    with transaction.atomic():
        current = Tag.objects.select_for_update().get(pk=tag.pk)
        if Tag.objects.filter(slug=slug).exclude(pk=tag.pk).exists():
            raise ValidationError({"slug": SLUG_TAKEN.format(slug=slug)})
        old_slug = current.slug
        current.name, current.slug = name, slug
        current.save()
        remember_old_slug(tag=current, old_slug=old_slug)
        cache.purge_on_commit(cache.keys_for_tag(current))
    tag.name, tag.slug = current.name, current.slug
    return current


def articles_moving(*, sources) -> int:
    """How many articles a merge of `sources` re-points (each article counted once)."""
    return (
        TaggedArticle.objects.filter(tag__in=sources).values("content_object_id").distinct().count()
    )


def merge_tags(*, sources, into: Tag, by) -> int:
    """Merge `sources` into `into` in one transaction; return how many articles moved.

    Each article keeps one row for `into` (no duplicates), the sources' addresses (and their own
    old addresses) answer 301 to `into`, ad targeting and suppression rules follow, every
    affected article gets an audit entry, and the sources are deleted.
    """
    from ads.models import Placement, SuppressionRule

    _check(by, "change", "delete")
    source_ids = sorted({tag.pk for tag in sources})
    if not source_ids:
        raise ValidationError(MERGE_NOTHING)
    if into.pk in source_ids:
        raise ValidationError(MERGE_INTO_ITSELF)
    with transaction.atomic():
        locked = {
            tag.pk: tag
            for tag in Tag.objects.select_for_update().filter(pk__in=[*source_ids, into.pk])
        }
        if into.pk not in locked:
            raise ValidationError(MERGE_TARGET_GONE)
        found = [locked[pk] for pk in source_ids if pk in locked]
        if not found:
            raise ValidationError(MERGE_NOTHING)
        rows = TaggedArticle.objects.filter(tag_id__in=[t.pk for t in found])
        has_target = TaggedArticle.objects.filter(
            tag_id=into.pk, content_object_id=OuterRef("content_object_id")
        )
        moved = set(rows.values_list("content_object_id", flat=True))
        # Articles already tagged with the target lose the source rows; of the rest, each
        # keeps its first source row (re-pointed) and loses any others.
        rows.filter(Exists(has_target)).delete()
        keep, drop = {}, []
        for pk, article_id in rows.order_by("pk").values_list("pk", "content_object_id"):
            if article_id in keep:
                drop.append(pk)
            else:
                keep[article_id] = pk
        TaggedArticle.objects.filter(pk__in=drop).delete()
        TaggedArticle.objects.filter(pk__in=keep.values()).update(tag_id=into.pk)
        refresh_tags(moved)

        through = Placement.tags.through
        targeted = through.objects.filter(tag_id=into.pk).values("placement_id")
        through.objects.filter(tag_id__in=source_ids, placement_id__in=targeted).delete()
        for placement_id in (
            through.objects.filter(tag_id__in=source_ids)
            .values_list("placement_id", flat=True)
            .distinct()
        ):
            extra = through.objects.filter(placement_id=placement_id, tag_id__in=source_ids)
            first = extra.order_by("pk").first()
            extra.exclude(pk=first.pk).delete()
            through.objects.filter(pk=first.pk).update(tag_id=into.pk)
        SuppressionRule.objects.filter(tag_id__in=source_ids).update(tag_id=into.pk)

        OldTagSlug.objects.filter(tag_id__in=source_ids).update(tag_id=into.pk)
        for tag in found:
            remember_old_slug(tag=into, old_slug=tag.slug)
        names = ", ".join(f"“{tag.name}”" for tag in found)
        note = f"Tags {names} merged into “{into.name}”."
        AuditEntry.objects.bulk_create(
            AuditEntry(
                article_id=article_id,
                action="merge_tags",
                from_status=status,
                to_status=status,
                note=note,
                user=by,
            )
            for article_id, status in Article.objects.filter(pk__in=moved).values_list(
                "pk", "status"
            )
        )
        # The old tags' pages and feeds, and every article now showing the surviving tag.
        purged = cache.keys_for_tag(into).union(*(cache.keys_for_tag(tag) for tag in found))
        Tag.objects.filter(pk__in=[t.pk for t in found]).delete()
        cache.purge_on_commit(purged)
    return len(moved)


def prunable(queryset):
    """The tags in `queryset` no article, ad placement or suppression rule uses."""
    from ads.models import Placement, SuppressionRule

    return (
        queryset.annotate(uses=Count("tagged_articles"))
        .filter(uses=0)
        .exclude(pk__in=Placement.tags.through.objects.values("tag_id"))
        .exclude(pk__in=SuppressionRule.objects.filter(tag__isnull=False).values("tag_id"))
    )


def prune_tags(*, queryset, by) -> int:
    """Delete the unused tags among `queryset`; return how many went."""
    _check(by, "delete")
    with transaction.atomic():
        ids = list(prunable(queryset).values_list("pk", flat=True))
        Tag.objects.filter(pk__in=ids).delete()
    return len(ids)
