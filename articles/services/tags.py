"""Tags: rename, merge and prune, keeping every old tag address answering 301.

Revisions are never rewritten: they keep the tag names an article had when it was saved.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef

from articles.delivery import cache
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
    old addresses) answer 301 to `into`, what other apps point at the sources with (ad
    targeting and suppression rules, …: `tag_references()`) follows, every affected article
    gets an audit entry, and the sources are deleted.
    """
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

        _repoint_references(source_ids, into)

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
    """The tags in `queryset` that no article uses and nothing else points at (ad placements
    and suppression rules, …: `tag_references()`)."""
    unused = queryset.annotate(uses=Count("tagged_articles")).filter(uses=0)
    for model, tag_column, _owner in tag_references():
        unused = unused.exclude(pk__in=model._base_manager.values(tag_column))
    return unused


def tag_references():
    """What other apps' models point at tags with, found through the model relations (so a new
    capability's references follow merges and count as uses without this module knowing it):
    `(model, tag column, owner column)` — for a many-to-many field its through model and the
    column of the row that owns the link, for a foreign key the model itself and None."""
    found = []
    for relation in Tag._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue  # not a relation from another model
        model = relation.related_model
        if model._meta.app_label == Tag._meta.app_label or model._meta.auto_created:
            continue  # the articles' own (tagging, old addresses) and m2m links seen below
        field = relation.field
        if field.many_to_many:
            through = field.remote_field.through
            tag_column = through._meta.get_field(field.m2m_reverse_field_name()).attname
            owner_column = through._meta.get_field(field.m2m_field_name()).attname
            found.append((through, tag_column, owner_column))
        else:
            found.append((model, field.attname, None))
    return found


def _repoint_references(source_ids, into) -> None:
    """Move every other-app reference from the `source_ids` tags to `into`: a link row whose
    owner already points at `into` goes, and of the rest each owner keeps one (re-pointed)."""
    for model, tag_column, owner_column in tag_references():
        rows = model._base_manager.filter(**{f"{tag_column}__in": source_ids})
        if owner_column is None:
            rows.update(**{tag_column: into.pk})
            continue
        targeted = model._base_manager.filter(**{tag_column: into.pk}).values(owner_column)
        rows.filter(**{f"{owner_column}__in": targeted}).delete()
        for owner_id in rows.values_list(owner_column, flat=True).distinct():
            extra = rows.filter(**{owner_column: owner_id})
            first = extra.order_by("pk").first()
            extra.exclude(pk=first.pk).delete()
            model._base_manager.filter(pk=first.pk).update(**{tag_column: into.pk})


def prune_tags(*, queryset, by) -> int:
    """Delete the unused tags among `queryset`; return how many went."""
    _check(by, "delete")
    with transaction.atomic():
        ids = list(prunable(queryset).values_list("pk", flat=True))
        Tag.objects.filter(pk__in=ids).delete()
    return len(ids)
