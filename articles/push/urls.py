from django.urls import path

from articles.push import views

app_name = "push"

urlpatterns = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("unsubscribe", views.unsubscribe, name="unsubscribe"),
]
