from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from ads import views as ads_views
from articles import views as articles_views
from articles.admin.site import name_admin_site
from articles.api.views import api
from articles.distribution import sitemaps
from articles.push import views as push_views

name_admin_site()
handler403 = "articles.admin.site.permission_denied"

urlpatterns = [
    # The admin's second step (articles/mfa/views.py), before the admin's catch-all.
    path("admin/mfa/", include("articles.mfa.views")),
    path("admin/", admin.site.urls),
    path("ads/", include("ads.urls")),
    # Newsletters: sign-up, confirmation, preferences, one-click unsubscribe, ESP webhooks.
    path("newsletters/", include("articles.newsletters.urls")),
    # The reading-figures beacon (articles/analytics/, docs/analytics.md): uncached, no cookie.
    path("analytics/", include("articles.analytics.urls")),
    # Live coverage for readers (articles/live/): the poll, older entries, share pages, the feed.
    path("live/", include("articles.live.urls")),
    # Breaking alerts' endpoint (cached, purged alone) and web push (docs/alerts-and-push.md).
    path("alerts/", include("articles.alerts.urls")),
    path("push/", include("articles.push.urls")),
    path("sw.js", push_views.service_worker, name="push-worker"),
    # The content API (docs/api.md): OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.
    path("api/v1/", api.urls),
    path("ads.txt", ads_views.ads_txt, name="ads-txt"),
    path("app-ads.txt", ads_views.app_ads_txt, name="app-ads-txt"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links: send them to the icon.
    path("favicon.ico", articles_views.favicon, name="favicon"),
    path("", include("articles.background.urls")),  # /healthz
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    path("sitemap.xml", sitemaps.index, name="sitemap-index"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="sitemap-news"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap, name="sitemap"),
    path("", include("articles.urls")),
    # Standing pages (/about/, /ethics/ …) after every other address: they never shadow one.
    path("", include("articles.standing.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
