from django.urls import path

from articles.background import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
