"""The reader pages' HTML built in Python: cards, pictures, bylines, tag lists, the navigation
and the head's meta tags. `{% load articles_tags %}` exposes them to templates; the kept markup
(`articles.pages.markup`) renders cards and heads with them between changes.

Built with f-strings and `html.escape` (what Django's `escape` calls), not `format_html`: a
listing builds twenty cards per uncached request, and `format_html`'s lazy-aware escaping of
each argument was most of a card's cost. Every value from the database goes through `_e`; the
result is marked safe once.
"""

import functools
import html

from django.core.cache import cache as default_cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles import addresses
from articles.delivery import cache
from articles.distribution import seo
from articles.models import Section


def _e(value):
    return html.escape(str(value))


def navigation_markup() -> str:
    """The navigation's markup (every section, in navigation order), from the cache: purged
    with the `nav` key, and kept as the finished string, so a page neither rebuilds nor
    re-escapes it. Kept at most a minute: without Redis each process has its own copy, which
    a purge in another process never reaches."""
    try:
        markup = default_cache.get(cache.NAV_MARKUP)
    except Exception:  # the cache being down costs one query, nothing more
        markup = None
    if markup is None:
        items = "".join(
            f'<li><a href="{_e(s.get_absolute_url())}">{_e(s.name)}</a></li>'
            for s in Section.objects.only("name", "slug")
        )
        markup = (
            f'<nav class="section-nav" aria-label="Sections">\n  <ul>{items}</ul>\n</nav>'
            if items
            else ""
        )
        try:
            default_cache.set(cache.NAV_MARKUP, markup, timeout=cache.LOCAL_COPY_SECONDS)
        except Exception:  # noqa: S110 (logged by the page cache; the page still renders)
            pass
    return markup


def head_markup(head):
    """`{% seo_head %}` of the `seo.Head` `head` (the article page keeps its own,
    articles/pages/markup.py)."""
    lines = []
    if head.noindex:
        lines.append('<meta name="robots" content="noindex, nofollow">')
    if head.canonical:
        lines.append(f'<link rel="canonical" href="{_e(head.canonical)}">')
    lines += [
        f'{_meta_start(attribute, key)}{_e(content)}">' for attribute, key, content in head.meta
    ]
    lines += [
        f'<link rel="alternate" type="{_e(kind)}" title="{_e(title)}" href="{_e(href)}">'
        for title, kind, href in head.feeds
    ]
    lines += [seo.jsonld_script(data) for data in head.jsonld]
    return mark_safe("".join(f"{line}\n  " for line in lines))  # noqa: S308 (escaped above)


@functools.lru_cache(maxsize=512)
def _meta_start(attribute, key):
    """`<meta property="og:title" content="`: the few dozen attribute and key pairs, escaped
    once per process rather than twice per tag and page."""
    return f'<meta {_e(attribute)}="{_e(key)}" content="'


def iso_time(value, tz):
    return value.astimezone(tz).replace(microsecond=0).isoformat() if value else ""


# What each use of an image is laid out as, for the browser's choice from `srcset`; they follow
# static/css/site.css. The page's content is 100vw - 2rem wide, at most 70rem (72rem less the
# padding). The card grid fits as many 16rem columns as it can with 1.5rem gaps: four from
# 70.5rem (262 px each at 1280 px), three from 53rem, two from 35.5rem. The lead card's image
# takes 3/5 of the page beside its text (1rem gap) from 48rem on.
SIZES = {
    "lead": "(min-width: 44rem) 42rem, calc(100vw - 2rem)",
    "card": (
        "(min-width: 72rem) 16.375rem, (min-width: 70.5rem) calc((100vw - 6.5rem) / 4), "
        "(min-width: 53rem) calc((100vw - 5rem) / 3), "
        "(min-width: 35.5rem) calc((100vw - 3.5rem) / 2), calc(100vw - 2rem)"
    ),
    "card-lead": "(min-width: 72rem) 41.4rem, (min-width: 48rem) calc(60vw - 1.8rem), "
    "calc(100vw - 2rem)",
    "portrait": "96px",
}
# The first row of a listing's cards (four columns on a desktop) is in the first screen: their
# images load at once (one of them is often the page's largest paint); the rest lazily.
EAGER_CARDS = 4


def eager(card_markup: str) -> str:
    """A card's markup with its image loading at once (kept cards are stored lazy)."""
    return card_markup.replace(' loading="lazy"', "", 1)


def picture(image, *, ratio="original", use="lead", alt=None, priority=False, lazy=True, css=""):
    """`<picture>` for a library image: AVIF/WebP/JPEG `srcset`s with `sizes`, width and height
    (no layout shift), `fetchpriority="high"` for the page's main image, else `loading="lazy"`
    unless `lazy=False`. Before renditions exist, the re-encoded master; without one, nothing.

    Reads only the image's row (select it with the article): no query, no file access.
    """
    sources = image.sources(ratio) if image else None
    if not sources:
        return ""
    sizes = _e(SIZES.get(use, use))
    tags = "".join(
        f'<source type="{_e(source["type"])}" srcset="{_e(source["srcset"])}" sizes="{sizes}">'
        for source in sources["types"]
    )
    srcset = f' srcset="{_e(sources["srcset"])}" sizes="{sizes}"' if sources["srcset"] else ""
    if priority:
        loading = ' fetchpriority="high"'
    else:
        loading = ' loading="lazy"' if lazy else ""
    alt = image.alt_text if alt is None else alt
    css = f' class="{_e(css)}"' if css else ""
    return mark_safe(  # noqa: S308 (every value escaped above)
        f'<picture>{tags}<img src="{_e(sources["src"])}"{srcset} width="{int(sources["width"])}"'
        f' height="{int(sources["height"])}" alt="{_e(alt)}"{loading} decoding="async"{css}>'
        "</picture>"
    )


def card(article, *, lead=False, level=3, here=None):
    """An article's card on a listing: lead image, section, headline (`<h2>` for the lead
    story or `level=2`, else `<h3>`), standfirst, date and byline.

    Built in Python, not through `{% include %}`: a listing shows twenty of them, and the
    include was half of an uncached listing's cost. Reads only the card's row
    (`articles.pages.reads.Cards`); `here` from `addresses.here()`, read once for many cards.
    """
    here = here or addresses.here()
    url = _e(article.get_absolute_url(here))
    image = ""
    if article.lead_image:
        use = "card-lead" if lead else "card"
        image = (
            f'<a class="card__image" href="{url}" tabindex="-1" aria-hidden="true">'
            f"{picture(article.lead_image, ratio='16:9', use=use, alt='', priority=lead)}</a>"
        )
    section = article.section
    if section is not None:
        section = (
            f'<p class="card__section"><a href="{_e(section.get_absolute_url(here))}">'
            f"{_e(section.name)}</a></p>"
        )
    sponsor = seo.sponsorship_of(article)
    if sponsor is not None:
        sponsor = (
            f'  <p class="card__sponsor">{_e(sponsor.label)} <strong>'
            f"{_e(sponsor.sponsor_name)}</strong></p>\n"
        )
    tag, css = ("h2", " card__headline--lead") if lead else ("h2" if level == 2 else "h3", "")
    standfirst = article.standfirst
    if standfirst:
        standfirst = f'<p class="card__standfirst">{_e(standfirst)}</p>'
    credits = ", ".join(credit.name for credit in article.credits)
    credits = f" · {_e(credits)}" if credits else ""
    return mark_safe(  # noqa: S308 (every value escaped above)
        f'<article class="card{" card--lead" if lead else ""}">\n  {image}\n  {section or ""}\n'
        f"{sponsor or ''}"
        f'  <{tag} class="card__headline{css}"><a href="{url}">{_e(article.headline)}</a></{tag}>'
        f'\n  {standfirst or ""}\n  <p class="card__meta"><time datetime="'
        f'{iso_time(article.published_at, here.tz)}">{long_date(article.published_at, here)}'
        f"</time>{credits}</p>"
        "\n</article>"
    )


def byline(article):
    """ "By A, B and C", each author linked (`rel="author"`); nothing without authors."""
    credits = article.credits
    if not credits:
        return ""
    here = addresses.here()
    links = [
        f'<a href="{_e(author.get_absolute_url(here))}" rel="author">{_e(author.name)}</a>'
        for author in credits
    ]
    names = links[0] if len(links) == 1 else f"{', '.join(links[:-1])} and {links[-1]}"
    return mark_safe(f'<p class="byline">By {names}</p>')  # noqa: S308 (escaped above)


def tag_links(tags):
    """The article's tags as a list of links (`rel="tag"`), built in Python (see `_e`): an
    article may carry thirty of them."""
    here = addresses.here()
    items = "".join(
        f'<li><a href="{_e(tag.get_absolute_url(here))}" rel="tag">{_e(tag.name)}</a></li>'
        for tag in tags
    )
    return mark_safe(f'<ul class="tag-list">{items}</ul>')  # noqa: S308 (escaped above)


def long_date(value, here=None):
    """The long date ("August 10, 2025") of the templates' `date:"F j, Y"`, in local time."""
    if not value:
        return ""
    if here is None:
        return _long_date(timezone.localtime(value).date(), get_language())
    return _long_date(value.astimezone(here.tz).date(), here.language)


@functools.lru_cache(maxsize=4096)
def _long_date(day, language):
    return date_format(day, "F j, Y")
