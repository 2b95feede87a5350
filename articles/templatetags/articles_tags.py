from django import template
from django.utils import timezone

from articles import publication, seo
from articles.models import Section

register = template.Library()


@register.inclusion_tag("includes/_section_nav.html")
def section_nav():
    """The site's sections, in navigation order."""
    return {"sections": Section.objects.only("name", "slug")}


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
