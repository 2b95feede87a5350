from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "articles.newsletters"
    label = "newsletters"
    verbose_name = "Newsletters"

    def ready(self):
        from anymail.signals import tracking

        from articles.newsletters import services

        # The ESP's tracking webhooks (anymail checks their signatures) feed the suppression
        # list and the delivery rows.
        tracking.connect(services.record_tracking_event, dispatch_uid="newsletters-tracking")
