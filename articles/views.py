"""Reader pages. Every listing starts from `Article.objects.published()`."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from articles import cache, services
from articles.models import Article, Author, OldSlug, Section, Tag

PAGE_SIZE = 20
# Listings go this deep and no deeper: readers reach older stories through sections, tags and
# the sitemaps, and no request makes the database skip more than MAX_PAGES * PAGE_SIZE rows.
MAX_PAGES = 100


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


def home(request):
    page = paginate(request, Article.objects.published().for_listing())
    articles = list(page.object_list)
    _name_listing(request, cache.HOME, articles)
    lead = articles[0] if page.number == 1 and articles else None
    rest = articles[1:] if lead else articles
    return render(request, "articles/home.html", {"page": page, "lead": lead, "articles": rest})


def article_detail(request, year, month, day, slug):
    article = Article.objects.for_detail().with_visibility().filter(slug=slug).first()
    if article is None:
        return _old_slug_redirect(slug)
    is_preview = not article.is_public
    if is_preview and not request.user.has_perm("articles.change_article"):
        raise Http404("No such article.")
    local = timezone.localtime(article.published_at or article.created_at)
    if (year, month, day) != (local.year, local.month, local.day):
        return redirect(article, permanent=not is_preview)
    cache.add_keys(request, cache.article_key(article.pk))
    response = render(
        request, "articles/article_detail.html", {"article": article, "is_preview": is_preview}
    )
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
    response = render(
        request, "articles/article_detail.html", {"article": article, "is_preview": True}
    )
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


def _name_listing(request, key, articles):
    """The listing's own key and every article's on it (a change to one purges the page)."""
    cache.add_keys(request, key, *(cache.article_key(a.pk) for a in articles))


def _listing(request, template, obj, key, articles):
    page = paginate(request, articles.for_listing())
    _name_listing(request, key, page.object_list)
    return render(request, template, {"object": obj, "page": page})


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    articles = Article.objects.published().filter(tags=tag)
    return _listing(request, "articles/tag_detail.html", tag, cache.tag_key(tag.pk), articles)


def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    articles = Article.objects.published().filter(bylines__author=author)
    return _listing(
        request, "articles/author_detail.html", author, cache.author_key(author.pk), articles
    )


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    articles = Article.objects.published().filter(section=section)
    return _listing(
        request, "articles/section_detail.html", section, cache.section_key(section.pk), articles
    )
