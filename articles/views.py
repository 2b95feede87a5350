"""Reader pages. Every listing starts from `Article.objects.published()`."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from articles import services
from articles.models import Article, Author, OldSlug, Section, Tag

PAGE_SIZE = 20


def paginate(request, queryset):
    """The requested page of `queryset`; a page that does not exist is a 404."""
    paginator = Paginator(queryset, PAGE_SIZE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("No such page.") from exc


def home(request):
    page = paginate(request, Article.objects.published().for_listing())
    articles = list(page.object_list)
    lead = articles[0] if page.number == 1 and articles else None
    rest = articles[1:] if lead else articles
    return render(request, "articles/home.html", {"page": page, "lead": lead, "articles": rest})


def article_detail(request, year, month, day, slug):
    article = Article.objects.for_detail().with_visibility().filter(slug=slug).first()
    if article is None:
        return _old_slug_redirect(slug)
    is_preview = not article.is_public
    if is_preview and not services.can_view(request.user, article):
        raise Http404("No such article.")
    local = timezone.localtime(article.published_at or article.created_at)
    if (year, month, day) != (local.year, local.month, local.day):
        return redirect(article, permanent=not is_preview)
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


def _listing(request, template, obj, articles):
    context = {"object": obj, "page": paginate(request, articles.for_listing())}
    return render(request, template, context)


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    articles = Article.objects.published().filter(tags=tag)
    return _listing(request, "articles/tag_detail.html", tag, articles)


def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    articles = Article.objects.published().filter(bylines__author=author)
    return _listing(request, "articles/author_detail.html", author, articles)


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    articles = Article.objects.published().filter(section=section)
    return _listing(request, "articles/section_detail.html", section, articles)
