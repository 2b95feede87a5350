from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "articles.api"
    label = "api"
    verbose_name = "Content API"

    def ready(self):
        from articles.api import events

        # Webhook events follow the workflow's own records (audit entries and revisions),
        # so the services never import the API.
        events.connect()
