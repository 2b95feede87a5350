from django.apps import AppConfig


class RedirectsConfig(AppConfig):
    name = "articles.redirects"
    label = "redirects"
    verbose_name = "Redirects"
