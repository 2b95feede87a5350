"""Reader pages. The article, the listings' cards and related stories are read in plain SQL
(`articles/pages/reads.py`, the public rule held to `published()`); the rest starts from
`Article.objects.published()`."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.cache import add_never_cache_headers, patch_cache_control

from articles import services
from articles.delivery import cache
from articles.distribution import seo
from articles.models import (
    Article,
    Correction,
    OldSlug,
    OldTagSlug,
)
from articles.pages import markup
from articles.pages.reads import (
    Cards,
    article_for_page,
    author_by_slug,
    related_cards,
    section_by_slug,
    tag_by_slug,
)
from articles.search import engine as site_search

PAGE_SIZE = 20
# Listings go this deep and no deeper: readers reach older stories through sections, tags and
# the sitemaps, and no request makes the database skip more than MAX_PAGES * PAGE_SIZE rows.
MAX_PAGES = 100
# The heading level of a section's, tag's or author's cards (`_listing.html`: under the page's
# <h1>); the home page's and related stories' are <h3>.
LISTING_LEVEL = 2


@dataclass
class Page:
    """One page of a listing, without counting the whole listing."""

    number: int
    object_list: list
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_other_pages(self):
        return self.has_previous or self.has_next

    @property
    def next_page_number(self):
        return self.number + 1

    @property
    def previous_page_number(self):
        return self.number - 1


def paginate(request, queryset):
    """The requested page of `queryset` (one query, no COUNT); a missing page is a 404."""
    raw = request.GET.get("page") or "1"
    number = int(raw) if raw.isdigit() else 0
    if not 1 <= number <= MAX_PAGES:
        raise Http404("No such page.")
    start = (number - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    if number > 1 and not rows:
        raise Http404("No such page.")
    has_next = len(rows) > PAGE_SIZE and number < MAX_PAGES
    return Page(number=number, object_list=rows[:PAGE_SIZE], has_next=has_next)


def first_page_redirect(request):
    """`?page=1` answers 301 to the bare URL (one address per page); other parameters stay."""
    if request.GET.get("page") != "1":
        return None
    query = request.GET.copy()
    del query["page"]
    return redirect(
        f"{request.path}?{query.urlencode()}" if query else request.path, permanent=True
    )


def home(request):
    if response := first_page_redirect(request):
        return response
    cards = Cards()
    page = paginate(request, cards)
    articles = list(page.object_list)
    _name_listing(request, cache.HOME, articles, cards)
    lead = articles[0] if page.number == 1 and articles else None
    rest = articles[1:] if lead else articles
    context = {"page": page, "lead": lead, "articles": rest, "head": seo.home_head(page)}
    return render(request, "articles/home.html", context)


def article_detail(request, year, month, day, slug):
    article = article_for_page(slug)
    if article is None:
        return _old_slug_redirect(slug)
    is_preview = not article.is_public
    if is_preview and not services.can_view(request.user, article):
        raise Http404("No such article.")
    local = article.permalink_date
    if (year, month, day) != (local.year, local.month, local.day):
        return redirect(article, permanent=not is_preview)
    related = [] if is_preview else related_cards(article)
    cache.add_keys(
        request, cache.article_key(article.pk), *(cache.article_key(a.pk) for a in related)
    )
    cache.changes_at(request, article.unpublish_at, *(a.unpublish_at for a in related))
    parts = markup.render(article, is_preview=True) if is_preview else markup.for_page(article)
    context = {"article": article, "is_preview": is_preview, "parts": parts, "related": related}
    response = render(request, "articles/article_detail.html", context)
    if is_preview:
        add_never_cache_headers(response)
    return response


def _old_slug_redirect(slug):
    """A published article's old address answers 301 to its current one."""
    old = OldSlug.objects.filter(slug=slug).select_related("article").first()
    if old is None or not Article.objects.published().filter(pk=old.article_id).exists():
        raise Http404("No such article.")
    return redirect(old.article, permanent=True)


def render_preview(request, article):
    """The public article page for an article that readers may not see (yet)."""
    context = {
        "article": article,
        "is_preview": True,
        "parts": markup.render(article, is_preview=True),
    }
    response = render(request, "articles/article_detail.html", context)
    add_never_cache_headers(response)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def shared_preview(request, token):
    """A share-preview link: one article, no account needed, until it expires or is revoked."""
    article = services.article_for_preview_token(token)
    if article is None:
        raise Http404("This preview link has expired or was revoked.")
    return render_preview(request, article)


def _name_listing(request, key, articles, cards):
    """The listing's own key and every article's on it (a change to one purges the page), and
    when it changes by the clock: one of them comes down, or the next article joins."""
    cache.add_keys(request, key, *(cache.article_key(a.pk) for a in articles))
    cache.changes_at(request, *(a.unpublish_at for a in articles), cards.next_publish_at())


def _listing(request, kind, obj, key, cards, description):
    if response := first_page_redirect(request):
        return response
    page = paginate(request, cards)
    _name_listing(request, key, page.object_list, cards)
    head = seo.listing_head(kind=kind, obj=obj, page=page, description=description)
    context = {"object": obj, "page": page, "head": head}
    return render(request, f"articles/{kind}_detail.html", context)


def tag_detail(request, slug):
    tag = tag_by_slug(slug)
    if tag is None:
        old = get_object_or_404(OldTagSlug.objects.select_related("tag"), slug=slug)
        if tag_by_slug(old.tag.slug) is None:  # merged into a tag only drafts carry
            raise Http404("No such tag.")
        return redirect(old.tag, permanent=True)
    description = tag.description or f"Articles tagged {tag.name}."
    cards = Cards(tag=tag, level=LISTING_LEVEL)
    return _listing(request, "tag", tag, cache.tag_key(tag.pk), cards, description)


def author_detail(request, slug):
    author = author_by_slug(slug)
    if author is None:
        raise Http404("No such author.")
    description = author.bio or f"Articles by {author.name}."
    key = cache.author_key(author.pk)
    return _listing(
        request, "author", author, key, Cards(author=author, level=LISTING_LEVEL), description
    )


def section_detail(request, slug):
    section = section_by_slug(slug)
    if section is None:
        raise Http404("No such section.")
    description = section.description or f"The latest from {section.name}."
    key = cache.section_key(section.pk)
    return _listing(
        request, "section", section, key, Cards(section=section, level=LISTING_LEVEL), description
    )


def corrections(request):
    """Every correction, clarification, editor's note and update on a live article."""
    if response := first_page_redirect(request):
        return response
    page = paginate(request, Correction.objects.public())
    cache.add_keys(
        request, cache.CORRECTIONS, *(cache.article_key(c.article_id) for c in page.object_list)
    )
    cache.changes_at(request, Article.objects.with_corrections().next_change())
    context = {"page": page, "head": seo.corrections_head(page)}
    return render(request, "articles/corrections.html", context)


def favicon(request):
    """/favicon.ico, which browsers and crawlers ask for: a temporary redirect to the SVG icon
    (temporary, because the icon's hashed file name changes with its content)."""
    response = redirect(static("favicon.svg"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


def search(request):
    """Reader search (articles/search/engine.py); results pages are kept out of search engines."""
    results = site_search.run(request.GET, request.GET.get("page"))
    response = render(request, "articles/search.html", {"search": results}, status=results.status)
    response["X-Robots-Tag"] = "noindex"
    return response
