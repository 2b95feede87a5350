import json
import logging

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ads import csp, insertion, markup
from ads.models import Creative, EmptyBehaviour, Position
from ads.services import load_page_ads, order_for_display, page_ads_for_request
from articles import addresses
from articles.delivery import cache
from articles.publication import absolute_url

logger = logging.getLogger(__name__)
register = template.Library()


def _reserved_style(slot) -> str:
    """CSS custom properties: the main size, then width and min-height per breakpoint."""
    parts = [f"--ad-width: {slot.width}px; --ad-height: {slot.height}px"]
    for name, _, sizes in slot.size_mapping:
        width = max(w for w, _ in sizes)
        height = max(h for _, h in sizes)
        parts.append(f"--ad-w-{name}: {width}px; --ad-h-{name}: {height}px")
    return "; ".join(parts)


def _gam_config(slot, page, article):
    mapping = [
        [[min_width, 0], [list(s) for s in sizes]]
        for _, min_width, sizes in reversed(slot.size_mapping)
    ]
    targeting = {"page": page.page_type}
    if article is not None:
        targeting["section"] = article.section.slug if article.section_id else ""
    return {
        "path": slot.gam_ad_unit_path,
        "sizes": [list(s) for s in slot.sizes],
        "mapping": mapping,
        "targeting": targeting,
    }


def render_slot(
    context, code, article=None, page_type=None, *, listing=False, instance=None
) -> str:
    """The HTML of slot `code` on this page ("" when it shows nothing).

    On a listing (`listing=True`) the `article` in the context is a card's, not the page's.
    """
    if article is None and not listing:
        article = context.get("article")
    if article is not None and getattr(article, "ads_disabled", False):
        return ""
    # Named even when the slot shows nothing: a placement booked later must purge the page.
    cache.add_keys(context.get("request"), cache.slot_key(code))
    page = page_ads_for_request(
        request=context.get("request"), article=article, page_type=page_type
    )
    slot = page.slots.get(code)
    if slot is None:
        logger.warning("Template asked for unknown ad slot %r", code)
        return ""
    if not slot.is_active or getattr(slot, "is_suppressed", False):
        return ""
    placements, empty = page.for_slot(slot)
    if not placements and empty == EmptyBehaviour.COLLAPSE:
        return ""
    placements = order_for_display(placements, page.now)
    _note_csp(context.get("request"), placements)
    live_first = bool(placements) and placements[0].is_live(page.now)
    return markup.slot_html(
        slot,
        style=_reserved_style(slot),
        first=placements[0] if live_first else None,
        others=placements[1:] if live_first else placements,
        show_placeholder=empty != EmptyBehaviour.COLLAPSE,
        instance=instance,
        gam=json.dumps(_gam_config(slot, page, article))
        if any(p.creative.kind == Creative.Kind.GAM for p in placements)
        else "",
    )


def _note_csp(request, placements):
    # Script creatives need nothing from the page's policy: they run in their own framed
    # document (ads:creative-frame) under its own policy.
    kinds = {p.creative.kind for p in placements}
    csp.note(request, network=bool(kinds & {Creative.Kind.GAM, Creative.Kind.ADSENSE}))


@register.simple_tag(takes_context=True)
def ads_script(context):
    """The ads script, at the end of the page: with the request's CSP nonce on pages whose
    slots carry ad network units (they need it to load GPT under a strict CSP), without one
    everywhere else so that those pages stay cacheable byte for byte."""
    request = context.get("request")
    needs = getattr(request, csp.REQUEST_ATTR, None) or {}
    nonce = getattr(request, "_csp_nonce", None) if needs.get("network") else None
    src = addresses.asset("ads/ads.js")
    if nonce is not None:
        return format_html('<script src="{}" defer nonce="{}"></script>', src, nonce)
    return format_html('<script src="{}" defer></script>', src)


@register.simple_tag(takes_context=True)
def ad_slot(context, code, article=None, page_type=None, instance=None):
    """Render slot `code`: its label and creative, or the placeholder.

    Renders nothing for an inactive, suppressed or unknown slot, or on an article with ads
    disabled. `instance` numbers a slot shown more than once on the page (its own id and name).
    """
    html = render_slot(context, code, article=article, page_type=page_type, instance=instance)
    return mark_safe(html)  # noqa: S308


@register.simple_tag
def email_ad_slot(code):
    """Slot `code` in a newsletter issue (a table row, email-safe: ads.markup.email_slot_html),
    or nothing for an inactive or unknown slot, or one set to collapse when unsold."""
    page = load_page_ads(page_type="newsletter")
    slot = page.slots.get(code)
    if slot is None or not slot.is_active:
        return ""
    placements, empty = page.for_slot(slot)
    placements = [p for p in order_for_display(placements, page.now) if p.is_live(page.now)]
    if not placements and empty == EmptyBehaviour.COLLAPSE:
        return ""
    return markup.email_slot_html(slot, placements[0] if placements else None, absolute=_absolute)


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else absolute_url(url)


@register.simple_tag(takes_context=True)
def listing_slots(context, total) -> dict[int, str]:
    """The listing slots of a page of `total` cards, by the card number they stand after.

    A slot set to stand after more cards than the page has stands after its last card.
    """
    if not total:
        return {}
    page = page_ads_for_request(request=context.get("request"))
    after = {}
    for slot in page.slots.values():
        if slot.position == Position.LISTING and slot.after_card:
            html = render_slot(context, slot.code, page_type=page.page_type, listing=True)
            number = min(slot.after_card, total)
            after[number] = after.get(number, "") + html
    return after


@register.simple_tag(takes_context=True)
def ad_article_body(context, article):
    """The article body with its in-article slots inserted after the right paragraphs."""
    body = article.body or ""
    if getattr(article, "ads_disabled", False):
        return mark_safe(body)  # noqa: S308 (sanitised on every save)
    page = page_ads_for_request(request=context.get("request"), article=article)
    rendered = {
        slot.code: html
        for slot in page.slots.values()
        if slot.position == Position.IN_ARTICLE
        and (html := render_slot(context, slot.code, article=article))
    }
    if not rendered:
        return mark_safe(body)  # noqa: S308 (sanitised on every save)
    slots = [page.slots[code] for code in rendered]
    blocks = article.blocks if hasattr(article, "blocks") else None
    placed, fallback = insertion.plan(body, slots, blocks)
    html = insertion.insert(body, placed, lambda slot: rendered[slot.code], blocks)
    html += "".join(rendered[slot.code] for slot in fallback)
    return mark_safe(html)  # noqa: S308 (body sanitised on save; slots built by ads.markup)


@register.simple_tag(takes_context=True)
def ad_sponsor_label(context, article):
    """“Sponsored by …” above a sponsored article."""
    page = page_ads_for_request(request=context.get("request"), article=article)
    if not page.sponsor_name:
        return ""
    return format_html(
        '<p class="sponsor-label">{} <strong>{}</strong></p>',
        page.sponsor_label,
        page.sponsor_name,
    )
