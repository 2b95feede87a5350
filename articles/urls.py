from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/<int:month>/<int:day>/<slug:slug>/", views.article_detail, name="detail"),
    path("preview/<str:token>/", views.shared_preview, name="shared-preview"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("search/", views.search, name="search"),
]
