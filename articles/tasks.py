"""Background work of the articles app (Django's task framework)."""

from django.tasks import task

from articles import cache


@task
def purge_keys(keys: list[str]) -> None:
    """Purge surrogate keys in the application cache and every configured proxy."""
    cache.purge(keys)
