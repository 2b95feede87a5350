from django.apps import AppConfig


class AdsConfig(AppConfig):
    name = "ads"
    verbose_name = "Ads"

    def ready(self):
        from ads.purges import connect_signals

        connect_signals()
