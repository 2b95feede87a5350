from django.urls import path

from articles.standing import views

app_name = "standing"

urlpatterns = [
    path("<slug:slug>/", views.page_detail, name="page"),
]
