from importlib import import_module

import axes.apps
import django_otp.plugins.otp_static.apps
import django_otp.plugins.otp_totp.apps
from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    default = True  # the others below configure other apps (settings name them)
    name = "articles"
    # The admin's home and breadcrumbs read "Newsroom › Articles", not "Articles › Articles".
    verbose_name = "Newsroom"
    # Capabilities whose models live in their own folder (app label "articles", same tables).
    capability_models = ("media", "pages", "publication", "background", "search")

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


# Third-party apps under names the admin's home can show (their own configs have none, so the
# admin showed their labels: OTP_STATIC, OTP_TOTP, AXES). Same apps, labels and tables.
class LoginAttemptsConfig(axes.apps.AppConfig):
    default = False
    verbose_name = "Login attempts"


class BackupCodesConfig(django_otp.plugins.otp_static.apps.DefaultConfig):
    default = False
    verbose_name = "Second factor: backup codes"


class AuthenticatorAppsConfig(django_otp.plugins.otp_totp.apps.DefaultConfig):
    default = False
    verbose_name = "Second factor: authenticator apps"
