from django.urls import path

from ads import views

app_name = "ads"

urlpatterns = [
    path("click/<int:placement_id>/", views.click, name="click"),
    path("creative/<int:placement_id>/", views.creative_frame, name="creative-frame"),
    path("beacon/", views.beacon, name="beacon"),
]
