"""{% load live_tags %}: the live stream on the article page, its head (styles and JSON-LD)."""

from django import template
from django.utils.html import format_html

from articles import addresses
from articles.delivery import cache
from articles.live import reads
from articles.live.services import live_key

register = template.Library()


def _stream(context, article):
    request = context.get("request")
    if article is None or getattr(article, "pk", None) is None:
        return None
    # Every article page names its coverage key, so starting coverage later purges it.
    cache.add_keys(request, live_key(article.pk))
    if context.get("is_preview"):
        return None
    return reads.stream_for(request, article)


@register.simple_tag(takes_context=True)
def live_head(context, article):
    """The stream's styles and its `LiveBlogPosting` JSON-LD ("" on other articles)."""
    stream = _stream(context, article)
    if stream is None:
        return ""
    return format_html(
        '<link rel="stylesheet" href="{}">\n<script type="application/ld+json">{}</script>',
        addresses.asset("live/live.css"),
        reads.SafeJson(reads.json_ld(stream)),
    )


@register.inclusion_tag("live/_stream.html", takes_context=True)
def live_stream(context, article):
    """The stream as readers first get it: pinned on top, key events, the newest entries."""
    return {
        "stream": _stream(context, article),
        "article": article,
        "request": context.get("request"),
    }


@register.filter
def live_summary(entry, length=110):
    return reads.summary(entry, int(length))
