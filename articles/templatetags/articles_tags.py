from django import template
from django.core.cache import cache as default_cache

from articles import cache
from articles.models import Section

register = template.Library()


def navigation_sections():
    """The sections for the navigation, from the cache (purged with the `nav` key)."""
    try:
        sections = default_cache.get(cache.NAV_SECTIONS)
    except Exception:  # the cache being down costs one query, nothing more
        sections = None
    if sections is None:
        sections = [
            {"name": s.name, "url": s.get_absolute_url()}
            for s in Section.objects.only("name", "slug")
        ]
        try:
            default_cache.set(cache.NAV_SECTIONS, sections, timeout=None)
        except Exception:  # noqa: S110 (logged by the page cache; the page still renders)
            pass
    return sections


@register.inclusion_tag("includes/_section_nav.html", takes_context=True)
def section_nav(context):
    """The site's sections, in navigation order."""
    cache.add_keys(context.get("request"), cache.NAV)
    return {"sections": navigation_sections()}
