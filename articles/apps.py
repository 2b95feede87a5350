from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"
    # Capabilities whose models live in their own folder (app label "articles", same tables).
    capability_models = ("media", "pages", "publication", "background")

    def import_models(self):
        super().import_models()
        for capability in self.capability_models:
            import_module(f"{self.name}.{capability}.models")

    def ready(self):
        from articles.delivery import cache
        from articles.models.articles import connect_derived_signals
        from articles.models.corrections import connect_note_signals
        from articles.pages.markup import keep_purged
        from articles.roles import sync_roles

        cache.connect_signals()
        # The purge task keeps the purged articles' page markup afresh for the next reader.
        cache.after_purge(keep_purged)
        connect_derived_signals()
        connect_note_signals()
        post_migrate.connect(sync_roles, dispatch_uid="articles.sync_roles")
