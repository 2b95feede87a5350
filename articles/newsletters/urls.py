from django.urls import path

from articles.newsletters import views

app_name = "newsletters"

urlpatterns = [
    path("", views.index, name="index"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("c/<str:token>/", views.click, name="click"),
    # The ESPs' tracking webhooks (anymail; signatures checked): /newsletters/esp/<esp>/tracking/
    path("esp/<slug:esp>/tracking/", views.esp_webhook, name="esp-tracking"),
    # ... and their inbound webhooks: mail to the List-Unsubscribe mailto address.
    path(
        "esp/<slug:esp>/inbound/",
        views.esp_webhook,
        {"kind": "inbound"},
        name="esp-inbound",
    ),
]
