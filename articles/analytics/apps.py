from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "articles.analytics"
    label = "analytics"
    verbose_name = "Reading figures"

    def ready(self):
        from articles.analytics import services

        # "Most read" follows the articles' own saves (an unpublished article leaves it at
        # once), so the articles app never imports this one.
        services.connect()
