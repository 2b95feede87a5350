from django import template

from articles.models import Section

register = template.Library()


@register.inclusion_tag("includes/_section_nav.html")
def section_nav():
    """The site's sections, in navigation order."""
    return {"sections": Section.objects.only("name", "slug")}
