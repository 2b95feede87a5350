from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "articles.alerts"
    label = "alerts"
    verbose_name = "Breaking alerts"

    def ready(self):
        from articles.alerts import services

        # Any save or delete of an alert (admin, shell, services) purges the one alerts
        # endpoint, never the pages: they fetch the banner from it.
        services.connect()
