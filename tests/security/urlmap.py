"""Every URL pattern of the site, from the URL resolver, as concrete addresses to probe.

`url_patterns()` walks `newsroom.urls` (admin included) and yields one `Pattern` per route: its
full name (namespace:name, or the dotted view for unnamed ones) and a sample address in which
every captured parameter is a unique placeholder, so a sweep can substitute hostile values
into the raw path. The matrix and sweep tests start from here, so a URL added on any branch is
probed without anyone listing it.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

INT_PLACEHOLDER = "424242"
STR_PLACEHOLDER = "zqplaceholderzq"
# Values for regex groups that only match a fixed set (the admin's app_label).
REGEX_SAMPLES = {"app_label": "articles"}


@dataclass(frozen=True)
class Pattern:
    name: str
    sample: str  # an address with placeholders where the parameters go
    params: tuple  # (parameter, "int" | "str")
    callback: object = None  # the view

    @property
    def is_admin(self) -> bool:
        return self.sample.startswith("/admin/")


def _route_part(pattern) -> tuple[str, list]:
    """The literal text of one pattern with placeholders, and its parameters."""
    params = []
    route = getattr(pattern.pattern, "_route", None)
    if route is not None:
        converters = pattern.pattern.converters

        def fill(match):
            name = match.group("parameter")
            kind = "int" if isinstance(converters[name], IntConverter) else "str"
            params.append((name, kind))
            return INT_PLACEHOLDER if kind == "int" else STR_PLACEHOLDER

        text = re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>", fill, route)
        return text, params
    regex = pattern.pattern.regex.pattern

    def group(match):
        name = match.group(1)
        if name in REGEX_SAMPLES:
            return REGEX_SAMPLES[name]
        params.append((name, "str"))
        return STR_PLACEHOLDER

    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", group, regex)
    text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    return text, params


def url_patterns(patterns=None, prefix="/", namespace=""):
    """Every route below `patterns` (default: the whole site), depth first."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        text, params = _route_part(pattern)
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            for child in url_patterns(pattern.url_patterns, prefix + text, ns):
                yield Pattern(
                    child.name, child.sample, tuple(params) + child.params, child.callback
                )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else pattern.lookup_str
            if "(?" in text or "*" in text:  # a catch-all regex (admin's final_catch_all_view)
                text = text.split("(?", 1)[0] + "no-such-page/"
            yield Pattern(name, prefix + text, tuple(params), pattern.callback)


def fill(sample: str, value: str) -> str:
    """The sample address with every parameter set to `value` (raw, already URL-encoded)."""
    return sample.replace(INT_PLACEHOLDER, value).replace(STR_PLACEHOLDER, value)
