from django.apps import AppConfig


class StandingConfig(AppConfig):
    name = "articles.standing"
    label = "standing"
    verbose_name = "Standing pages"
