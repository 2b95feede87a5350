"""{% load analytics_tags %}: the beacon on article pages and the "Most read" module."""

import time
from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join

from articles import addresses
from articles.analytics import services
from articles.delivery import cache

register = template.Library()

PERIOD_LABELS = (("24h", "Last 24 hours"), ("7d", "Last 7 days"))


@register.simple_tag
def analytics_beacon(article):
    """The beacon script (deferred, no inline code) for a published article's page."""
    return format_html(
        '<script src="{}" defer data-article="{}" data-endpoint="{}"{}></script>',
        addresses.asset("analytics/beacon.js"),
        article.pk,
        addresses.address("analytics:hit"),
        " data-dnt" if settings.NEWSROOM_ANALYTICS_HONOUR_DNT else "",
    )


@register.simple_tag(takes_context=True)
def most_read(context, section=None):
    """ "Most read" site-wide (or for `section`), last 24 hours and 7 days: one cache read.

    A page showing it names each listed article's surrogate key (unpublishing one purges the
    page) and is kept no longer than the lists' next refresh or a listed article's unpublish
    time."""
    request = context.get("request")
    data = services.most_read_lists()
    now = time.time()
    section_id = getattr(section, "pk", None)
    lists = [
        (label, services.most_read(data, section_id=section_id, period=period, at=now))
        for period, label in PERIOD_LABELS
    ]
    shown = [entry for _, entries in lists for entry in entries]
    if not shown:
        return ""
    cache.add_keys(request, *(cache.article_key(entry[0]) for entry in shown))
    refresh = max(data["at"] + settings.NEWSROOM_ANALYTICS_MOST_READ_REFRESH, now + 60)
    moments = [refresh, *(entry[3] for entry in shown if entry[3])]
    cache.changes_at(request, *(datetime.fromtimestamp(m, UTC) for m in moments))
    blocks = format_html_join(
        "",
        '<div class="most-read__period"><h3>{}</h3><ol>{}</ol></div>',
        (
            (
                label,
                format_html_join(
                    "", '<li><a href="{}">{}</a></li>', ((e[2], e[1]) for e in entries)
                ),
            )
            for label, entries in lists
            if entries
        ),
    )
    return format_html(
        '<section class="most-read" aria-labelledby="most-read-heading">'
        '<h2 id="most-read-heading" class="section-heading">Most read</h2>'
        '<div class="most-read__lists">{}</div></section>',
        blocks,
    )
