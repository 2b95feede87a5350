"""The API's request and response shapes (Pydantic, through django-ninja): the OpenAPI 3.1
schema at /api/v1/openapi.json is generated from these (committed as docs/api/openapi.json)."""

import re
from datetime import UTC, datetime
from typing import Annotated

from ninja import Path, Schema
from pydantic import AfterValidator, Field

from articles.models import CorrectionKind

# C0 controls except tab, new line and carriage return, plus DEL: PostgreSQL refuses NUL in
# text, and none of them belongs in an article.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _one_line(value: str) -> str:
    if _LINE_CONTROL.search(value):
        raise ValueError("control characters and line breaks are not allowed")
    return value


def _utc(value: datetime) -> datetime:
    """Aware, in UTC (naive means UTC), and inside the years every database and Python keep."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc
    if not 1900 <= value.year <= 9000:
        raise ValueError("must be between the years 1900 and 9000")
    return value


Text = Annotated[str, AfterValidator(_no_control)]
Moment = Annotated[datetime, AfterValidator(_utc)]
Line = Annotated[str, AfterValidator(_one_line)]
# An article id in a path: a larger number than the database holds is a 400, not a 500.
ArticleId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SlugText = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[-a-zA-Z0-9_]+$")]


# --- responses --------------------------------------------------------------------------------


class Link(Schema):
    id: int
    name: str
    slug: str
    url: str


class SectionRef(Link):
    pass


class Candidate(Schema):
    url: str
    width: int
    height: int


class Source(Schema):
    type: str = Field(description="MIME type of the files (image/avif, image/webp, image/jpeg).")
    srcset: str = Field(description="Ready for a <source srcset> or <img srcset>.")
    candidates: list[Candidate]


class Rendition(Schema):
    ratio: str = Field(description="original, 16:9, 1:1 or 4:3 (cropped around the focal point).")
    width: int | None
    height: int | None
    sources: list[Source]


class FocalPoint(Schema):
    x: float
    y: float


class ImageOut(Schema):
    id: int
    url: str = Field(description="The re-encoded master (long edge at most 2048 px).")
    width: int | None
    height: int | None
    alt: str
    caption: str
    credit: str
    focal_point: FocalPoint
    renditions: list[Rendition] = Field(
        description="Empty until the renditions task has run (a few seconds after upload)."
    )


class CorrectionNote(Schema):
    id: int
    kind: str
    label: str
    text: str
    created_at: datetime


class Sponsored(Schema):
    label: str
    sponsor: str


class Seo(Schema):
    title: str
    description: str


class ArticleSummary(Schema):
    """An article in a list: everything but the body, corrections and SEO texts (read one
    article for those)."""

    id: int
    headline: str
    slug: str
    standfirst: str
    bylines: list[Link]
    section: SectionRef
    tags: list[Link]
    lead_image: ImageOut | None
    canonical_url: str
    api_url: str = Field(description="This article with its body: GET /articles/{id}.")
    path: str = Field(description="The reader page's path (for GET /articles/by-path).")
    status: str = Field(description="Always “published” without a key that reads drafts.")
    published_at: datetime | None
    first_published_at: datetime | None
    updated_at: datetime | None = Field(description="The last change readers can see.")
    sponsored: Sponsored | None
    version: int | None = Field(
        description="Only with an API key: send it back with an edit (a stale one gets 409)."
    )


class Article(ArticleSummary):
    body_html: str = Field(description="Sanitised HTML; every link and image URL absolute.")
    body_text: str
    corrections: list[CorrectionNote]
    seo: Seo


class ArticlePage(Schema):
    items: list[ArticleSummary]
    next: str | None = Field(description="The next page's URL, or null on the last page.")
    count: int | None = Field(description="Only with ?count=true.")


class Named(Schema):
    id: int
    name: str
    slug: str
    url: str
    api_url: str = Field(description="This one's articles.")


class SectionOut(Named):
    description: str


class TagOut(Named):
    description: str


class AuthorOut(Named):
    bio: str
    photo: ImageOut | None


class SectionList(Schema):
    items: list[SectionOut]


class TagPage(Schema):
    items: list[TagOut]
    next: str | None


class AuthorPage(Schema):
    items: list[AuthorOut]
    next: str | None


class CorrectionArticle(Schema):
    id: int
    headline: str
    canonical_url: str
    api_url: str


class CorrectionOut(CorrectionNote):
    article: CorrectionArticle


class CorrectionIn(Schema):
    kind: CorrectionKind = CorrectionKind.CORRECTION
    text: Annotated[Text, Field(min_length=1, max_length=2000)]


class CorrectionPage(Schema):
    items: list[CorrectionOut]
    next: str | None


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


class Conflict(Problem):
    current_version: int


# --- requests ---------------------------------------------------------------------------------


class ArticleIn(Schema):
    headline: Annotated[Line, Field(min_length=1, max_length=200)]
    slug: SlugText | None = Field(None, description="Made from the headline when left out.")
    standfirst: Annotated[Text, Field(max_length=2000)] = ""
    body: Annotated[Text, Field(max_length=500_000)] = Field(
        "", description="HTML; sanitised on save like the admin's editor."
    )
    section: int = Field(description="A section id (GET /sections).")
    authors: list[int] | None = Field(
        None,
        max_length=20,
        description="Author ids in byline order; defaults to the key owner's author profile.",
    )
    tags: list[Annotated[Line, Field(max_length=100)]] = Field([], max_length=50)
    lead_image: int | None = Field(None, description="A library image id (POST /images).")
    seo_title: Annotated[Line, Field(max_length=70)] = ""
    seo_description: Annotated[Line, Field(max_length=160)] = ""


class ArticleEdit(Schema):
    version: int = Field(ge=1, le=2**31 - 1, description="The version you loaded.")
    headline: Annotated[Line, Field(min_length=1, max_length=200)] | None = None
    slug: SlugText | None = None
    standfirst: Annotated[Text, Field(max_length=2000)] | None = None
    body: Annotated[Text, Field(max_length=500_000)] | None = None
    section: int | None = None
    authors: list[int] | None = Field(None, max_length=20)
    tags: list[Annotated[Line, Field(max_length=100)]] | None = Field(None, max_length=50)
    lead_image: int | None = None
    seo_title: Annotated[Line, Field(max_length=70)] | None = None
    seo_description: Annotated[Line, Field(max_length=160)] | None = None


class Step(Schema):
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="When given, a stale one gets 409."
    )
    note: Annotated[Text, Field(max_length=2000)] = ""


class ScheduleIn(Step):
    publish_at: Moment
    unpublish_at: Moment | None = None
