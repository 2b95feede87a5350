from django.urls import path
from django.views.generic.base import RedirectView

from articles import views
from articles.distribution import feeds

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/<int:month>/<int:day>/<slug:slug>/", views.article_detail, name="detail"),
    path("preview/<str:token>/", views.shared_preview, name="shared-preview"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/feed/", feeds.CorrectionsFeed.as_view(), name="corrections-feed"),
    path("corrections/feed/atom/", feeds.CorrectionsAtomFeed.as_view(), name="corrections-atom"),
    # Feeds (docs/operations.md lists them all).
    path("feed/", feeds.ArticleFeed.as_view(), name="feed"),
    path("feed/atom/", feeds.ArticleAtomFeed.as_view(), name="feed-atom"),
    path("rss/", RedirectView.as_view(pattern_name="articles:feed", permanent=True)),
    path("sections/<slug:slug>/feed/", feeds.SectionFeed.as_view(), name="section-feed"),
    path(
        "sections/<slug:slug>/feed/atom/", feeds.SectionAtomFeed.as_view(), name="section-feed-atom"
    ),
    path("tags/<str:slug>/feed/", feeds.TagFeed.as_view(), name="tag-feed"),
    path("tags/<str:slug>/feed/atom/", feeds.TagAtomFeed.as_view(), name="tag-feed-atom"),
    path("authors/<slug:slug>/feed/", feeds.AuthorFeed.as_view(), name="author-feed"),
    path("authors/<slug:slug>/feed/atom/", feeds.AuthorAtomFeed.as_view(), name="author-feed-atom"),
    path("search/", views.search, name="search"),
]
