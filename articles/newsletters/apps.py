from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "articles.newsletters"
    label = "newsletters"
    verbose_name = "Newsletters"

    def ready(self):
        from anymail.signals import inbound, tracking

        from articles.newsletters import services
        from articles.services import PublishOption, register_publish_option

        # The ESP's tracking webhooks (anymail checks their signatures) feed the suppression
        # list and the delivery rows.
        tracking.connect(services.record_tracking_event, dispatch_uid="newsletters-tracking")
        # Mail to the List-Unsubscribe mailto address, received by the ESP (inbound webhook).
        inbound.connect(services.record_inbound_mail, dispatch_uid="newsletters-inbound")
        # "Send to Breaking" on an article's publish step.
        register_publish_option(
            PublishOption(
                name="newsletters",
                label="Also send this story to",
                choices=lambda: [(n.pk, n.name) for n in services.breaking_newsletters()],
                apply=services.send_breaking_on_publish,
            )
        )
