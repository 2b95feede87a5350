"""Reads: published articles (filters, keyset pages), one article by id or path, a draft by
share-preview token, and sections, tags, authors and corrections. Anonymous reads see exactly
`Article.objects.published()`; a key that may read drafts sees what its owner sees in the
admin (`visible_to`)."""

from typing import Annotated

from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import Resolver404, resolve
from ninja import Path, Query, Router, Schema
from pydantic import Field

from articles import addresses
from articles.api import represent
from articles.api.http import ApiProblem, anonymous, json_response, key_auth, reader_of
from articles.api.schemas import (
    Article,
    ArticleId,
    ArticlePage,
    AuthorPage,
    CorrectionPage,
    Moment,
    Problem,
    SectionList,
    TagPage,
)
from articles.api.views.paging import LIMIT_DEFAULT, LIMIT_MAX, page
from articles.delivery import cache
from articles.models import Article as ArticleModel
from articles.models import Author, Byline, Correction, Section, Tag, TaggedArticle
from articles.pages.reads import article_for_page, articles_by_ids, digests_by_ids
from articles.publication import get_publication
from articles.search import engine
from articles.services import article_for_preview_token

# One router for reads and writes (a path such as /articles serves both); writes set their own
# auth (a key) and tag.
router = Router(tags=["Read"], auth=[key_auth, anonymous])

ERRORS = {400: Problem, 401: Problem, 404: Problem, 429: Problem}
NOT_FOUND = "No published article with this id."
NO_PATH = "No published article at this path."
UNKNOWN = "No {kind} with this slug."
NO_WORDS = "Search for at least one word."
BAD_RANGE = "{name}_after must be before {name}_before."
PREVIEW_GONE = "This preview link is invalid, expired or revoked."

Slug = Field(None, min_length=1, max_length=200, pattern=r"^[-\w]+$")
Limit = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description=f"1–{LIMIT_MAX}; more is a 400.")
Cursor = Field(None, max_length=500, description="The `next` URL carries it; opaque, signed.")


def _articles(request):
    """The articles this request may see, with what one needs joined, and the field they
    page by (publication time; for drafts, creation time when there is none)."""
    reader = reader_of(request)
    if reader is None:
        return ArticleModel.objects.published(), "published_at"
    queryset = ArticleModel.objects.visible_to(reader)
    return queryset.annotate(sort_at=Coalesce(F("published_at"), F("created_at"))), "sort_at"


def _one(request, queryset, **lookup):
    """The one article this request may see at `lookup` (`pk` or `slug`), read whole, or None.
    Anonymously: the article page's own read (one prepared query, with the public rule);
    with a key: its id through the ORM (the drafts rule), then the row."""
    if reader_of(request) is None:
        article = article_for_page(lookup.get("slug"), pk=lookup.get("pk"))
        return article if article is not None and article.is_public else None
    found = articles_by_ids(queryset.filter(**lookup).values_list("pk", flat=True)[:1])
    return found[0] if found else None


class ArticleFilters(Schema):
    section: str | None = Slug
    tag: str | None = Slug
    author: str | None = Slug
    published_after: Moment | None = None
    published_before: Moment | None = None
    updated_after: Moment | None = None
    updated_before: Moment | None = None
    q: str | None = Field(None, max_length=200, description="Words, as on the site's search.")
    limit: int = Limit
    cursor: str | None = Cursor
    count: bool = Field(False, description="Add the total (one more query).")


def _slug_filter(queryset, keys, *, kind, model, slug, lookup, key_for):
    if slug is None:
        return queryset
    found = model.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if found is None:
        raise ApiProblem(404, UNKNOWN.format(kind=kind))
    keys.append(key_for(found))
    return queryset.filter(**{lookup: found})


def _between(queryset, name, after, before):
    if after and before and after >= before:
        raise ApiProblem(400, BAD_RANGE.format(name=name))
    field = "updated_at" if name == "updated" else "published_at"
    if after:
        queryset = queryset.filter(**{f"{field}__gt": after})
    if before:
        queryset = queryset.filter(**{f"{field}__lt": before})
    return queryset


@router.get("/articles", response={200: ArticlePage, **ERRORS}, summary="List articles")
def list_articles(request, filters: Query[ArticleFilters]):
    """Published articles, newest first, `limit` a page; follow `next` for the next page."""
    queryset, field = _articles(request)
    keys = [cache.HOME]
    f = filters
    queryset = _slug_filter(queryset, keys, kind="section", model=Section, slug=f.section,
                            lookup="section_id", key_for=cache.section_key)  # fmt: skip
    queryset = _slug_filter(queryset, keys, kind="tag", model=Tag, slug=f.tag,
                            lookup="tagged_items__tag_id", key_for=cache.tag_key)  # fmt: skip
    queryset = _slug_filter(queryset, keys, kind="author", model=Author, slug=f.author,
                            lookup="bylines__author_id", key_for=cache.author_key)  # fmt: skip
    queryset = _between(queryset, "published", f.published_after, f.published_before)
    queryset = _between(queryset, "updated", f.updated_after, f.updated_before)
    if f.q is not None:
        if not engine.has_words(f.q):
            raise ApiProblem(400, NO_WORDS)
        queryset = engine.matching(queryset, f.q)
    total = queryset.count() if f.count else None
    # The page's ids through the ORM (filters, visibility, the cursor), then the rows, without
    # their bodies, by one prepared read: the joins are not compiled per request.
    columns = ("pk", "published_at", "updated_at", *(("sort_at",) if field == "sort_at" else ()))
    keys_only = queryset.values_list(*columns, named=True)
    rows, next_url = page(keys_only, request=request, field=field, limit=f.limit, cursor=f.cursor)
    keys += [cache.article_key(row.pk) for row in rows]
    with_version = reader_of(request) is not None
    # Each article's JSON is kept while its rows are unchanged: ask for the rows' versions,
    # and read (without the body) and encode only the articles not kept.
    ids = [row.pk for row in rows]
    items = b",".join(
        represent.encoded_many(
            represent.summary,
            ids,
            digests=digests_by_ids(ids),
            read=lambda missing: articles_by_ids(missing, with_body=False),
            with_version=with_version,
            publication=get_publication(),
            here=addresses.here(),
        )
    )
    rest = represent.encode({"next": next_url, "count": total})
    body = b'{"items":[' + items + b"]," + rest[1:]
    newest = max((_modified(row) for row in rows), default=None)
    return json_response(request, None, body=body, keys=keys, last_modified=newest)


def _modified(row):
    return max(moment for moment in (row.updated_at, row.published_at) if moment is not None)


def _article_response(request, article, missing):
    if article is None:
        raise ApiProblem(404, missing)
    body = represent.encoded(
        represent.article, article, with_version=reader_of(request) is not None
    )
    return json_response(
        request,
        None,
        body=body,
        keys=[cache.article_key(article.pk)],
        last_modified=_modified(article),
    )


@router.get("/articles/{int:article_id}", response={200: Article, **ERRORS}, summary="One article")
def get_article(request, article_id: ArticleId):
    queryset, _ = _articles(request)
    return _article_response(request, _one(request, queryset, pk=article_id), NOT_FOUND)


@router.get("/articles/by-path", response={200: Article, **ERRORS}, summary="One article by path")
def get_article_by_path(
    request,
    path: str = Query(..., min_length=1, max_length=500, description="e.g. /2026/11/26/slug/"),
):
    try:
        match = resolve(path if path.startswith("/") else f"/{path}")
    except Resolver404:
        match = None
    if match is None or match.view_name != "articles:detail":
        raise ApiProblem(404, NO_PATH)
    queryset, _ = _articles(request)
    return _article_response(request, _one(request, queryset, slug=match.kwargs["slug"]), NO_PATH)


@router.get(
    "/preview/{token}",
    response={200: Article, 404: Problem},
    auth=None,
    summary="A draft by share-preview token",
)
def preview(request, token: Annotated[str, Path(max_length=300)]):
    """The one article a share-preview link opens (any status), never cached."""
    article = article_for_preview_token(token)
    if article is None:
        raise ApiProblem(404, PREVIEW_GONE)
    return json_response(request, represent.article(article), private=True)


@router.get("/sections", response={200: SectionList, **ERRORS}, summary="Sections")
def list_sections(request):
    sections = list(Section.objects.all())
    keys = [cache.NAV, *(cache.section_key(s.pk) for s in sections)]
    return json_response(request, {"items": [represent.section(s) for s in sections]}, keys=keys)


def _live(through, article_column, column):
    """`column` of the filing rows (`through`) of articles readers may see."""
    live = ArticleModel.objects.published().values("pk")
    return through.objects.filter(**{f"{article_column}__in": live}).values(column)


class Paging(Schema):
    limit: int = Limit
    cursor: str | None = Cursor


@router.get("/tags", response={200: TagPage, **ERRORS}, summary="Tags with published articles")
def list_tags(request, paging: Query[Paging]):
    tags = Tag.objects.filter(pk__in=_live(TaggedArticle, "content_object", "tag_id"))
    rows, next_url = page(tags, request=request, field="slug", limit=paging.limit,
                          cursor=paging.cursor, is_time=False)  # fmt: skip
    keys = [cache.SITEMAPS, *(cache.tag_key(t.pk) for t in rows)]
    data = {"items": [represent.tag(t) for t in rows], "next": next_url}
    return json_response(request, data, keys=keys)


@router.get(
    "/authors", response={200: AuthorPage, **ERRORS}, summary="Authors with published articles"
)
def list_authors(request, paging: Query[Paging]):
    authors = Author.objects.filter(pk__in=_live(Byline, "article", "author_id")).select_related(
        "photo"
    )
    rows, next_url = page(authors, request=request, field="slug", limit=paging.limit,
                          cursor=paging.cursor, is_time=False)  # fmt: skip
    keys = [cache.SITEMAPS, *(cache.author_key(a.pk) for a in rows)]
    data = {"items": [represent.author(a) for a in rows], "next": next_url}
    return json_response(request, data, keys=keys)


@router.get("/corrections", response={200: CorrectionPage, **ERRORS}, summary="Corrections")
def list_corrections(request, paging: Query[Paging]):
    """Corrections and updates on published articles, newest first."""
    notes = Correction.objects.public()
    rows, next_url = page(notes, request=request, field="created_at", limit=paging.limit,
                          cursor=paging.cursor)  # fmt: skip
    keys = [cache.CORRECTIONS, *(cache.article_key(n.article_id) for n in rows)]
    data = {"items": [represent.correction(n) for n in rows], "next": next_url}
    return json_response(request, data, keys=keys)
