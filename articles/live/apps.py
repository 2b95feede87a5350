from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "articles.live"
    label = "live"
    verbose_name = "Live coverage"

    def ready(self):
        from articles.live import services

        # Entries reach readers' pages, the poll endpoint and the feed: every save purges them.
        services.connect()
