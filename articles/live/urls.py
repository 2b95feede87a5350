from django.urls import path

from articles.live import feeds, views

app_name = "live"

urlpatterns = [
    path("<int:article_id>/v/<int:version>/", views.poll, name="poll"),
    path("<int:article_id>/before/<str:cursor>/", views.older, name="older"),
    path("<int:article_id>/entry/<int:entry_id>/", views.entry_share, name="entry"),
    path("<int:article_id>/feed/", feeds.LiveEntriesFeed.as_view(), name="feed"),
]
