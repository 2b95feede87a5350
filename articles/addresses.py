"""Reader-page addresses, reversed once per process and key (a page shows dozens of them).

`reverse()` walks the URL patterns on every call; a listing asks it for every card's article
and section. The answer depends only on the route, its arguments, the URLconf and the script
prefix, so it is kept per process (bounded) and forgotten when ROOT_URLCONF changes.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=16384)
def _reverse(name, kwargs, urlconf, prefix):
    return reverse(name, kwargs=dict(kwargs), urlconf=urlconf)


def address(name: str, **kwargs) -> str:
    """`reverse(name, kwargs=kwargs)`, remembered."""
    return _reverse(name, tuple(sorted(kwargs.items())), get_urlconf(), get_script_prefix())


def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


setting_changed.connect(_forget, dispatch_uid="articles-addresses-forget")
