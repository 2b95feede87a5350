"""Writes with an API key: drafts, edits, images and workflow steps, through the same services,
permission rules and version checks as the admin. Every write is in the audit log (or, for
images, the admin's history) under the key's owner."""

from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from ninja import File, Form, Schema, UploadedFile
from pydantic import Field

from articles import services
from articles.api import represent
from articles.api.http import ApiProblem, json_response, key_auth, key_of, problem, writer_of
from articles.api.schemas import (
    Article,
    ArticleEdit,
    ArticleId,
    ArticleIn,
    Conflict,
    CorrectionIn,
    CorrectionOut,
    ImageOut,
    Problem,
    ScheduleIn,
    Step,
)
from articles.api.views.reads import router  # one router: /articles serves reads and writes
from articles.media import services as media
from articles.media.models import Image
from articles.models import Article as ArticleModel
from articles.models import AuditEntry, Author, Section

WRITE = {"auth": key_auth, "tags": ["Write"]}

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
NOT_FOUND = "No article with this id that this key's owner may see."
CANNOT_ADD = "This key's owner may not create articles."
CANNOT_UPLOAD = "This key's owner may not upload images."
SLUG_TAKEN = "Another article already uses this slug."
UNKNOWN_SECTION = "No section with this id."
UNKNOWN_IMAGE = "No library image with this id."
UNKNOWN_AUTHORS = "No author with id(s): {ids}."
NO_AUTHOR = "Say who wrote it: `authors`, or give the key's owner an author profile."


def _audit(article, action, from_status, user, request, note=""):
    key = key_of(request)
    AuditEntry.objects.create(
        article=article,
        action=action,
        from_status=from_status,
        to_status=article.status,
        note=f"{note} (API key {key.prefix}…)".strip(),
        user=user,
    )


def _visible(user, article_id, *, lock=False):
    queryset = ArticleModel.objects.visible_to(user)
    if lock:
        queryset = queryset.select_for_update()
    article = queryset.filter(pk=article_id).first()
    if article is None:
        raise ApiProblem(404, NOT_FOUND)
    return article


def _authors(ids, user):
    if ids is None:
        own = Author.objects.filter(user=user).first()
        if own is None:
            raise ApiProblem(422, NO_AUTHOR)
        return [own]
    found = Author.objects.in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApiProblem(422, UNKNOWN_AUTHORS.format(ids=", ".join(map(str, missing))))
    return [found[i] for i in dict.fromkeys(ids)]


def _apply_fields(article, data: dict):
    """Set the editorial fields given (already validated by the schema)."""
    if "section" in data:
        if not Section.objects.filter(pk=data["section"]).exists():
            raise ApiProblem(422, UNKNOWN_SECTION)
        article.section_id = data["section"]
    if "lead_image" in data:
        image_id = data["lead_image"]
        if image_id is not None and not Image.objects.filter(pk=image_id).exists():
            raise ApiProblem(422, UNKNOWN_IMAGE)
        article.lead_image_id = image_id
    for name in ("headline", "slug", "standfirst", "body", "seo_title", "seo_description"):
        if name in data:
            setattr(article, name, data[name])
    if ArticleModel.objects.filter(slug=article.slug).exclude(pk=article.pk).exists():
        raise ApiProblem(422, SLUG_TAKEN)


def _file(article, *, authors, tags, user):
    if authors is not None:
        services.check_bylines(article=article, authors=authors)
        services.set_bylines(article=article, authors=authors)
    if tags is not None:
        services.set_tags(article=article, names=services.parse_tags(", ".join(
            f'"{name}"' if "," in name else name for name in tags)))  # fmt: skip


def _free_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`… whichever no article uses yet."""
    taken = set(ArticleModel.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(slug for n in range(1, len(taken) + 2)
                if (slug := base if n == 1 else f"{base}-{n}") not in taken)  # fmt: skip


def _written(request, article_id, status=200):
    article = ArticleModel.objects.for_detail().get(pk=article_id)
    return json_response(request, represent.article(article, with_version=True), status=status)


@router.post("/articles", response={201: Article, **ERRORS}, summary="Create a draft", **WRITE)
def create_article(request, payload: ArticleIn):
    user = writer_of(request)
    if not user.has_perm("articles.add_article"):
        raise ApiProblem(403, CANNOT_ADD)
    data = payload.model_dump(exclude_unset=True)
    authors = _authors(payload.authors, user)
    with transaction.atomic():
        article = ArticleModel(created_by=user, status=ArticleModel.Status.DRAFT)
        if "slug" not in data:
            data["slug"] = _free_slug(slugify(payload.headline)[:180] or "article")
        _apply_fields(article, data)
        article.save()
        _file(article, authors=authors, tags=payload.tags, user=user)
        services.record_edit(article=article, by=user, reason="Created")
        _audit(article, "create", "", user, request, "Created")
    return _written(request, article.pk, status=201)


@router.patch(
    "/articles/{int:article_id}",
    response={200: Article, 409: Conflict, **ERRORS},
    summary="Edit an article",
    **WRITE,
)
def edit_article(request, article_id: ArticleId, payload: ArticleEdit):
    """Edit what the owner may edit (writers: their own drafts; editors: anything). Send the
    `version` you loaded: if someone saved since, 409 with the current version."""
    user = writer_of(request)
    data = payload.model_dump(exclude_unset=True)
    loaded = data.pop("version")
    with transaction.atomic():
        article = _visible(user, article_id, lock=True)
        if not services.can_edit(user, article):
            raise ApiProblem(403, services.NOT_EDITABLE)
        old_slug = article.slug
        authors = _authors(data.pop("authors"), user) if "authors" in data else None
        tags = data.pop("tags", None)
        _apply_fields(article, data)
        article.version = services.claim_version(article=article, loaded_version=loaded)
        article.save()
        _file(article, authors=authors, tags=tags, user=user)
        services.record_edit(article=article, by=user, old_slug=old_slug, reason="Edited")
        _audit(article, "edit", article.status, user, request, "Edited")
    return _written(request, article.pk)


def _step(request, article_id, action, payload, **kwargs):
    user = writer_of(request)
    article = _visible(user, article_id)
    if payload.version is not None and payload.version != article.version:
        raise services.EditConflict(article)
    services.TRANSITION_FUNCTIONS[action](article=article, by=user, **kwargs)
    return _written(request, article.pk)


STEP_RESPONSES = {200: Article, 409: Conflict, **ERRORS}


@router.post(
    "/articles/{int:article_id}/submit", response=STEP_RESPONSES, summary="Submit", **WRITE
)
def submit(request, article_id: ArticleId, payload: Step):
    """Hand a draft to the editors (the article's own writer, or an editor)."""
    return _step(request, article_id, "submit", payload)


@router.post(
    "/articles/{int:article_id}/publish", response=STEP_RESPONSES, summary="Publish", **WRITE
)
def publish(request, article_id: ArticleId, payload: Step):
    """Put an article in review (or unpublished) live now: editors' keys only."""
    return _step(request, article_id, "publish", payload)


@router.post(
    "/articles/{int:article_id}/schedule", response=STEP_RESPONSES, summary="Schedule", **WRITE
)
def schedule(request, article_id: ArticleId, payload: ScheduleIn):
    """Approve an article in review to go live at `publish_at`: editors' keys only."""
    return _step(
        request,
        article_id,
        "schedule",
        payload,
        publish_at=payload.publish_at,
        unpublish_at=payload.unpublish_at,
    )


@router.post(
    "/articles/{int:article_id}/unpublish", response=STEP_RESPONSES, summary="Unpublish", **WRITE
)
def unpublish(request, article_id: ArticleId, payload: Step):
    """Take a live article down: editors' keys only."""
    return _step(request, article_id, "unpublish", payload, note=payload.note)


@router.post(
    "/articles/{int:article_id}/withdraw", response=STEP_RESPONSES, summary="Withdraw", **WRITE
)
def withdraw(request, article_id: ArticleId, payload: Step):
    """Take a submission back to draft before an editor acts on it (its writer, or an
    editor)."""
    return _step(request, article_id, "withdraw", payload)


@router.post(
    "/articles/{int:article_id}/send-back", response=STEP_RESPONSES, summary="Send back", **WRITE
)
def send_back(request, article_id: ArticleId, payload: Step):
    """Return an article in review to its writer with a `note` saying what to change:
    editors' keys only; the note is required."""
    return _step(request, article_id, "send_back", payload, note=payload.note)


@router.post(
    "/articles/{int:article_id}/cancel-schedule",
    response=STEP_RESPONSES,
    summary="Cancel a schedule",
    **WRITE,
)
def cancel_schedule(request, article_id: ArticleId, payload: Step):
    """Take a scheduled article off the schedule, back to draft: editors' keys only."""
    return _step(request, article_id, "cancel_schedule", payload)


@router.post(
    "/articles/{int:article_id}/corrections",
    response={201: CorrectionOut, **ERRORS},
    summary="Add a correction",
    **WRITE,
)
def add_correction(request, article_id: ArticleId, payload: CorrectionIn):
    """Add a correction, clarification, editor's note or update to a live article (editors'
    keys only). The article stays live; its modified time moves to the note's."""
    user = writer_of(request)
    article = _visible(user, article_id)
    note = services.add_correction(article=article, kind=payload.kind, text=payload.text, by=user)
    return json_response(request, represent.correction(note), status=201)


class ImageFields(Schema):
    alt_text: str = Field(..., min_length=1, max_length=250, pattern=r"^[^\x00-\x1f\x7f]*$")
    caption: str = Field("", max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$")
    credit: str = Field("", max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")
    focal_x: float = Field(0.5, ge=0, le=1)
    focal_y: float = Field(0.5, ge=0, le=1)


@router.post("/images", response={201: ImageOut, 413: Problem, **ERRORS}, summary="Upload", **WRITE)
def upload_image(request, fields: Form[ImageFields], file: File[UploadedFile]):
    """Add an image to the media library: JPEG, PNG or WebP, checked from its header and
    re-encoded (camera data removed) as in the admin; renditions follow from the task queue."""
    user = writer_of(request)
    if not user.has_perm("articles.add_image"):
        raise ApiProblem(403, CANNOT_UPLOAD)
    picture = Image(**fields.model_dump())
    with transaction.atomic():
        media.save_image(image=picture, by=user, upload=file)
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=[picture],
            action_flag=ADDITION,
            change_message=f"Uploaded through API key {key_of(request).prefix}…",
            single_object=True,
        )
    return json_response(request, represent.image(picture), status=201)


def error_handlers(api) -> None:
    """The services' refusals as problem details (the admin shows the same messages)."""

    @api.exception_handler(services.EditConflict)
    def conflict(request, exc):
        return problem(409, str(exc), current_version=exc.current.version)

    @api.exception_handler(PermissionDenied)
    def denied(request, exc):
        return problem(403, str(exc) or "Not allowed.")

    @api.exception_handler(ValidationError)
    def refused(request, exc):
        return problem(422, " ".join(exc.messages), errors=exc.messages)

    @api.exception_handler(IntegrityError)
    def integrity(request, exc):
        return problem(409, SLUG_TAKEN)
