"""{% alerts_slot %}: the banner's anchor and script on every page (docs/alerts-and-push.md)."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


def page_section(context):
    """The section a page belongs to (an article's, a section page's), or None."""
    article = context.get("article")
    if article is not None and getattr(article, "section_id", None):
        return article.section
    obj = context.get("object")
    if obj is not None and obj._meta.label == "articles.Section":
        return obj
    return None


@register.simple_tag(takes_context=True)
def alerts_slot(context):
    """An empty anchor the script fills from the alerts endpoint: the page itself never shows an
    alert, so a cached page needs no purge when one starts, changes or expires."""
    section = page_section(context)
    return format_html(
        '<div id="site-alert" class="site-alert" data-src="{}" data-section="{}"'
        ' data-section-name="{}"></div><script src="{}" defer></script>',
        reverse("alerts:current"),
        section.slug if section else "",
        section.name if section else "",
        static("alerts/alerts.js"),
    )
