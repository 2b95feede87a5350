"""Reader-page addresses, reversed once per process and key (a page shows dozens of them).

`reverse()` walks the URL patterns on every call; a listing asks it for every card's article
and section. The answer depends only on the route, its arguments, the URLconf and the script
prefix, so it is kept per process (bounded) and forgotten when ROOT_URLCONF changes.

The URLconf and script prefix an address depends on, and the time zone and language a card's
dates depend on, are thread- (or task-) local values, and reading one costs about as much as
the rest of a card. `here()` reads them once; a listing passes the result to each card.
"""

from datetime import tzinfo
from functools import lru_cache
from typing import NamedTuple

from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language


@lru_cache(maxsize=16384)
def _reverse(name, kwargs, urlconf, prefix):
    return reverse(name, kwargs=dict(kwargs), urlconf=urlconf)


class Here(NamedTuple):
    """Where and for whom this request's page is built (see the module's docstring)."""

    urlconf: object
    prefix: str
    tz: tzinfo
    language: str | None


def here() -> Here:
    return Here(get_urlconf(), get_script_prefix(), timezone.get_current_timezone(), get_language())


def address(name: str, *, here: Here | None = None, **kwargs) -> str:
    """`reverse(name, kwargs=kwargs)`, remembered (`here`: read once for many addresses)."""
    if here is None:
        urlconf, prefix = get_urlconf(), get_script_prefix()
    else:
        urlconf, prefix = here.urlconf, here.prefix
    return _reverse(name, tuple(sorted(kwargs.items())), urlconf, prefix)


@lru_cache(maxsize=256)
def asset(path: str) -> str:
    """`static(path)`, remembered: the hashed name comes from the manifest collectstatic wrote
    before the process started, so it is fixed for the process."""
    return static(path)


def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
    if setting in {"STATIC_URL", "STORAGES", "DEBUG"}:
        asset.cache_clear()


setting_changed.connect(_forget, dispatch_uid="articles-addresses-forget")
