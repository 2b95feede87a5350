from django import template
from django.core.cache import cache as default_cache
from django.utils import timezone

from articles import cache, publication, seo
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


@register.filter
def absolute(path):
    """`path` on the publication's canonical base URL (never the request's host)."""
    return publication.absolute_url(str(path))


@register.filter
def jsonld(data):
    """A JSON-LD <script>; nothing in `data` can close it (json_script escaping)."""
    return seo.jsonld_script(data)


@register.inclusion_tag("includes/_seo_head.html", takes_context=True)
def seo_head(context):
    """Canonical link, social cards, feeds and JSON-LD of the page (`head` from its view)."""
    head = context.get("head") or seo.Head(feeds=seo.site_feeds(publication.get_publication()))
    return {"head": head}


@register.filter
def isotime(value):
    """A datetime for `<time datetime>`: ISO 8601 in local time, whole seconds (the HTML
    standard allows at most three fraction digits; Django's "c" format gives six)."""
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


# What each use of an image is laid out as, for the browser's choice from `srcset`.
SIZES = {
    "lead": "(min-width: 44rem) 42rem, calc(100vw - 2rem)",
    "card": "(min-width: 72rem) 22rem, (min-width: 36rem) 45vw, calc(100vw - 2rem)",
    "card-lead": "(min-width: 72rem) 42rem, (min-width: 48rem) 58vw, calc(100vw - 2rem)",
    "portrait": "96px",
}


@register.inclusion_tag("includes/_picture.html")
def picture(image, *, ratio="original", use="lead", alt=None, priority=False, lazy=True, css=""):
    """`<picture>` for a library image: AVIF/WebP/JPEG `srcset`s with `sizes`, width and height
    (no layout shift), `fetchpriority="high"` for the page's main image, else `loading="lazy"`
    unless `lazy=False`. Before renditions exist, the re-encoded master; without one, nothing.

    Reads only the image's row (select it with the article): no query, no file access.
    """
    sources = image.sources(ratio) if image else None
    if not sources:
        return {"sources": None}
    return {
        "sources": sources,
        "sizes": SIZES.get(use, use),
        "alt": image.alt_text if alt is None else alt,
        "priority": priority,
        "lazy": lazy and not priority,
        "css": css,
    }
