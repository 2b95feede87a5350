"""Autosave: a private copy of what someone is typing, never the article itself.

An autosave never publishes, never takes a transition, never bumps the version (which would
turn the writer's own next save into a false conflict) and never changes what readers see:
it writes one `Autosave` row per person and article, which only its owner is offered back.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.models import Article, Autosave
from articles.sanitizer import clean_html
from articles.services.permissions import NOT_EDITABLE, can_edit

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


def save_autosave(
    *, article: Article | None, by, data: dict, loaded_version: int | None
) -> Autosave:
    """Keep `by`'s unsaved form for `article` (None: a new article) as their private copy."""
    if article is not None and not can_edit(by, article):
        raise PermissionDenied(NOT_EDITABLE)
    if article is None and not by.has_perm("articles.add_article"):
        raise PermissionDenied(NOT_EDITABLE)
    kept = {field: data[field] for field in AUTOSAVE_FIELDS if field in data}
    if "body" in kept:
        kept["body"] = clean_html(kept["body"] or "")
    with transaction.atomic():
        autosave, _ = Autosave.objects.update_or_create(
            article=article,
            user=by,
            defaults={"data": kept, "loaded_version": loaded_version, "saved_at": timezone.now()},
        )
    return autosave


def autosave_for(*, article: Article | None, user) -> Autosave | None:
    """`user`'s own autosaved copy of `article` (None: of a new article), if any."""
    return Autosave.objects.filter(article=article, user=user).first()


def discard_autosave(*, article: Article | None, user) -> None:
    """Drop `user`'s autosaved copy (after they saved, or when they decline to restore it)."""
    Autosave.objects.filter(article=article, user=user).delete()
