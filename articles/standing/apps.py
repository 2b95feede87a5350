from django.apps import AppConfig


class StandingConfig(AppConfig):
    name = "articles.standing"
    label = "standing"
    verbose_name = "Standing pages"

    def ready(self):
        from articles.standing.services import connect_signals

        connect_signals()
