from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles.cache import connect_signals
        from articles.models.articles import connect_derived_signals
        from articles.models.corrections import connect_note_signals
        from articles.roles import sync_roles

        connect_signals()
        connect_derived_signals()
        connect_note_signals()
        post_migrate.connect(sync_roles, dispatch_uid="articles.sync_roles")
