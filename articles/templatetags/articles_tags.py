from django import template
from django.utils import timezone

from articles.models import Section

register = template.Library()


@register.inclusion_tag("includes/_section_nav.html")
def section_nav():
    """The site's sections, in navigation order."""
    return {"sections": Section.objects.only("name", "slug")}


@register.filter
def isotime(value):
    """A datetime for `<time datetime>`: ISO 8601 in local time, whole seconds (the HTML
    standard allows at most three fraction digits; Django's "c" format gives six)."""
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()
