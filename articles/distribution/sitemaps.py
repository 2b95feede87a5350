"""Sitemaps: an index, articles (paged, with lead images), sections, tags, authors, Google News.

Thin classes over `Article.objects.published()`, on `django.contrib.sitemaps`. Every URL is
built from the publication's base URL, never the request's host; each page costs a fixed
number of queries (a count and the page). `index()` lists every page of every sitemap;
`robots_txt()` points crawlers at it. docs/operations.md says how to submit them.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.contrib.sitemaps.views import x_robots_tag
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.http import conditional_page, require_safe

from articles.delivery import cache
from articles.distribution import seo
from articles.distribution.feeds import xml_text
from articles.models import Article, Section
from articles.models.articles import PUBLIC_STATUSES
from articles.publication import absolute_url, get_publication
from articles.standing import services as standing
from articles.standing.models import Page

ARTICLES_PER_PAGE = 10_000  # the protocol allows 50,000 URLs / 50 MB; we stay well inside
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News: at most 1,000 articles per news sitemap


def _second(moment):
    return moment.replace(microsecond=0) if moment else moment


class PublicationSitemap(Sitemap):
    """Locations on the publication's base URL (not the Host the crawler used)."""

    def get_urls(self, page=1, site=None, protocol=None):
        self.publication = get_publication()
        base = urlsplit(self.publication.base_url)
        urls = self._urls(page, base.scheme, base.netloc)
        for url in urls:
            url.update(self.url_extras(url["item"]))
        return urls

    def url_extras(self, item) -> dict:
        """More per-URL data for the template (images, news fields)."""
        return {}


class ArticleSitemap(PublicationSitemap):
    """Every published article, newest first, with its lead image."""

    limit = ARTICLES_PER_PAGE

    def items(self):
        return (
            Article.objects.published()
            .select_related(None)
            .select_related("lead_image")
            .only(
                "pk",
                "slug",
                "headline",
                "published_at",
                "created_at",
                "updated_at",
                "lead_image__file",
                "lead_image__width",
                "lead_image__height",
                "lead_image__alt_text",
                "lead_image__renditions",
            )  # fmt: skip
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, item):
        return _second(seo.article_modified_at(item))

    def get_latest_lastmod(self):
        latest = Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]
        return _second(latest)

    def url_extras(self, item):
        image = seo.lead_image_meta(item)
        return {"images": [image] if image else []}


class NewsSitemap(ArticleSitemap):
    """Google News: articles first published in the last 48 hours, at most 1,000."""

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return super().items().filter(published_at__gte=since)[:NEWS_LIMIT]

    def get_latest_lastmod(self):
        return None

    def url_extras(self, item):
        return {
            **super().url_extras(item),
            "news": {
                "name": xml_text(self.publication.name),
                "language": news_language(self.publication.language),
                "publication_date": _second(item.published_at),
                "title": xml_text(item.headline),
            },
        }


def news_language(tag: str) -> str:
    """Google News wants an ISO 639 code ("en", "pt"), or zh-cn / zh-tw for Chinese."""
    parts = tag.lower().split("-")
    if parts[0] == "zh":
        return "zh-tw" if {"tw", "hk", "mo", "hant"} & set(parts[1:]) else "zh-cn"
    return parts[0]


def _latest_published(**filters):
    return Subquery(
        Article.objects.published()
        .filter(**filters)
        .order_by("-published_at")
        .values("published_at")[:1]
    )


class SectionSitemap(PublicationSitemap):
    """Sections with at least one published article."""

    def items(self):
        latest = _latest_published(section=OuterRef("pk"))
        return Section.objects.annotate(latest=latest).filter(latest__isnull=False).order_by("pk")

    def lastmod(self, item):
        return _second(item.latest)


class TagSitemap(PublicationSitemap):
    """Tags with at least one published article."""

    def items(self):
        return Article.objects.published().filed_tags().only("pk", "slug").order_by("pk")


class AuthorSitemap(PublicationSitemap):
    """Authors with a byline on at least one published article."""

    def items(self):
        return Article.objects.published().bylined_authors().only("pk", "slug").order_by("pk")


def _name_sitemap(request):
    """Sitemaps list every live article: purged with any of them, and kept no longer than
    until the next article goes live or comes down by the clock."""
    cache.add_keys(request, cache.SITEMAPS)
    cache.changes_at(request, Article.objects.next_change())


class StandingPageSitemap(PublicationSitemap):
    """Published standing pages (About, the ethics and corrections policies …)."""

    def items(self):
        pages = Page.objects.published().only("pk", "slug", "updated_at").order_by("pk")
        return [page for page in pages if standing.is_reachable(page)]

    def lastmod(self, item):
        return _second(item.updated_at)


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "pages": StandingPageSitemap,
}


@require_safe
@conditional_page
def sitemap(request, section):
    """One page (`?p=N`) of one sitemap; a page past the end is a 404."""
    _name_sitemap(request)
    return sitemap_view(request, SITEMAPS, section=section, template_name="sitemaps/urlset.xml")


@require_safe
@conditional_page
def news_sitemap(request):
    # Kept until the next article goes live or comes down, or the oldest one listed leaves
    # the 48-hour window: one query.
    now = timezone.now()
    found = Article.objects.filter(status__in=PUBLIC_STATUSES).aggregate(
        live=Min("published_at", filter=Q(published_at__gt=now)),
        down=Min("unpublish_at", filter=Q(unpublish_at__gt=now)),
        oldest=Min("published_at", filter=Article.objects.public_q(now)
                   & Q(published_at__gte=now - NEWS_WINDOW)),
    )  # fmt: skip
    oldest = found["oldest"] and found["oldest"] + NEWS_WINDOW
    cache.add_keys(request, cache.SITEMAPS)
    cache.changes_at(request, found["live"], found["down"], oldest)
    return sitemap_view(request, {"news": NewsSitemap}, template_name="sitemaps/news.xml")


@require_safe
@conditional_page
@x_robots_tag
def index(request):
    """The sitemap index: every page of every sitemap, and the news sitemap."""
    _name_sitemap(request)
    publication = get_publication()
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        site = sitemap_class()
        location = absolute_url(reverse("sitemap", args=[section]), publication)
        paginator = site.paginator
        if not paginator.count:
            continue  # an empty <urlset> is not a valid sitemap: list only what has URLs
        lastmod = site.get_latest_lastmod()
        entries += [
            {"location": location + (f"?p={page}" if page > 1 else ""), "lastmod": lastmod}
            for page in paginator.page_range
        ]
    if NewsSitemap().paginator.count:
        entries.append({"location": absolute_url(reverse("sitemap-news"), publication)})
    latest = max((e["lastmod"] for e in entries if e.get("lastmod")), default=None)
    headers = {"Last-Modified": http_date(latest.timestamp())} if latest else None
    return TemplateResponse(
        request,
        "sitemaps/index.xml",
        {"sitemaps": entries},
        content_type="application/xml",
        headers=headers,
    )


ROBOTS_DISALLOW = [
    "/admin/",  # the newsroom
    "/preview/",  # share-preview links
    "/search",  # search result pages (/search/ and /search?q=…)
    "/ads/",  # ad click redirects
]


@require_safe
def robots_txt(request):
    """robots.txt: crawl everything public, not the newsroom, previews or search results."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines += ["", f"Sitemap: {absolute_url(reverse('sitemap-index'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
