from django.urls import path

from articles.analytics import views

app_name = "analytics"

urlpatterns = [
    path("hit", views.hit, name="hit"),
]
