from django import template

from articles import publication
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
