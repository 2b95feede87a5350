from django.urls import path

from ads import views

app_name = "ads"

urlpatterns = [
    path("click/<int:placement_id>/", views.click, name="click"),
    path("beacon/", views.beacon, name="beacon"),
]
