from django.urls import path

from articles.alerts import views

app_name = "alerts"

urlpatterns = [
    path("current.json", views.current, name="current"),
]
