from django.apps import AppConfig


class WPImportConfig(AppConfig):
    name = "articles.wpimport"
    label = "wpimport"
    verbose_name = "WordPress import"
