"""The articles' template tags: thin names over `articles.pages.html` (cards, pictures,
bylines, tag lists, the navigation and the head), the kept cards and the fixed links."""

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import addresses, publication
from articles.delivery import cache
from articles.distribution import seo
from articles.pages import html, markup
from articles.standing import services as standing

register = template.Library()
register.simple_tag(html.picture, name="picture")
register.simple_tag(html.card, name="card")
register.simple_tag(html.byline, name="byline")
register.simple_tag(html.tag_links, name="tag_links")


@register.simple_tag(name="address")
def address_tag(name):
    """`{% url name %}` for a page's fixed links (no arguments), remembered per process
    (`articles.addresses`): a page's header and footer ask for four on every request."""
    return addresses.address(name)


register.simple_tag(addresses.asset, name="asset")  # `{% static %}`, remembered


@register.simple_tag
def standing_footer():
    """The footer's links to the published standing pages (kept in the cache)."""
    return standing.footer_markup()


@register.simple_tag(takes_context=True)
def section_nav(context):
    """The site's sections, in navigation order (built in Python, see `_e`)."""
    cache.add_keys(context.get("request"), cache.NAV)
    return mark_safe(html.navigation_markup())  # noqa: S308 (escaped where built)


@register.filter
def absolute(path):
    """`path` on the publication's canonical base URL (never the request's host)."""
    return publication.absolute_url(str(path))


@register.filter
def jsonld(data):
    """A JSON-LD <script>; nothing in `data` can close it (json_script escaping)."""
    return seo.jsonld_script(data)


@register.simple_tag(takes_context=True)
def seo_head(context):
    """Canonical link, social cards, feeds and JSON-LD of the page (`head` from its view).

    Built in Python (see `_e` below): an article with thirty tags has some forty meta tags."""
    return html.head_markup(
        context.get("head") or seo.Head(feeds=seo.site_feeds(publication.get_publication()))
    )


@register.filter
def isotime(value):
    """A datetime for `<time datetime>`: ISO 8601 in local time, whole seconds (the HTML
    standard allows at most three fraction digits; Django's "c" format gives six)."""
    return html.iso_time(value, timezone.get_current_timezone())


@register.simple_tag
def sponsor_note(article):
    """ "Sponsored by …" for a sponsored article (its disclosure on every list), else ""."""
    return seo.sponsor_note(article)


@register.simple_tag(takes_context=True)
def card_grid(context, articles, *, level=3, slots=None):
    """A listing's cards (`{% card %}`, kept between changes by `markup.cards`) with the markup
    in `slots` (card number → HTML, from the ads app's `{% listing_slots %}`) after them."""
    slots = slots or {}
    cards = markup.cards(articles, level=level, here=addresses.here())
    cards[: html.EAGER_CARDS] = [html.eager(card) for card in cards[: html.EAGER_CARDS]]
    return mark_safe(  # noqa: S308 (cards escaped by `card`; slots built by ads.markup)
        "".join(card + slots.get(number, "") for number, card in enumerate(cards, start=1))
    )
