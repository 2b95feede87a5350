from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "articles.push"
    label = "push"
    verbose_name = "Web push"
