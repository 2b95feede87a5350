"""The markup of an ad slot and its creatives, built in Python.

A page renders several slots on every uncached request, and rendering them through
`{% include %}` templates cost more than the rest of the article body. As in
`articles_tags.card`, every value from the database goes through `_e` (`html.escape`, what
Django's `escape` calls) except a creative's `html`, which `clean_creative_html` sanitised on
save; the result is marked safe once by the template tag.
"""

import functools
import html

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ads.models import Creative

PLACEHOLDER = '<p class="ad-placeholder">Fake Ad Placeholder (Ad slot: {code})</p>'


def _e(value):
    return html.escape(str(value))


@functools.lru_cache(maxsize=8)
def _beacon_url(prefix):  # the script prefix is part of the address (SCRIPT_NAME)
    return reverse("ads:beacon")


@receiver(setting_changed)
def _forget_urls(**kwargs):  # tests swap URLconfs and prefixes
    _beacon_url.cache_clear()


def _epoch_ms(value):
    return "" if value is None else int(value.timestamp() * 1000)


def _link(placement, css=""):
    url = _e(reverse("ads:click", args=[placement.pk]))
    return f'<a{css} href="{url}" rel="sponsored noopener" target="_blank">', "</a>"


def creative_html(placement, slot, gam) -> str:
    """One placement's creative: an image, sanitised HTML, a sandboxed frame or a network unit."""
    c = placement.creative
    kind = c.kind
    loading = ' loading="lazy"' if slot.is_lazy else ""
    if kind == Creative.Kind.IMAGE or (c.image and kind == Creative.Kind.HOUSE):
        start, end = _link(placement) if c.click_url else ("", "")
        body = (
            f'{start}<img src="{_e(c.image.url)}" alt="{_e(c.alt_text)}" width="{_e(c.width)}"'
            f' height="{_e(c.height)}"{loading}>{end}\n'
        )
    elif kind in (Creative.Kind.HTML, Creative.Kind.HOUSE):
        start, end = _link(placement, ' class="ad-creative__link"') if c.click_url else ("", "")
        body = f"{start}{c.html}{end}\n"  # sanitised on save (clean_creative_html)
    elif kind == Creative.Kind.SCRIPT:
        frame = _e(reverse("ads:creative-frame", args=[placement.pk]))
        body = (
            f'<iframe class="ad-frame" title="{_e(slot.label)}" sandbox="allow-scripts'
            f' allow-popups allow-popups-to-escape-sandbox" src="{frame}" width="{_e(c.width)}"'
            f' height="{_e(c.height)}" referrerpolicy="no-referrer"'
            f"{loading}></iframe>\n"
        )
    elif kind == Creative.Kind.GAM:
        lazy = ' data-lazy="1"' if slot.is_lazy else ""
        body = (
            f'<div class="ad-gam" id="gam-{_e(slot.code)}-{_e(placement.pk)}"'
            f' data-gam="{_e(gam)}"{lazy}></div>\n'
        )
    elif kind == Creative.Kind.ADSENSE:
        body = (
            f'<ins class="adsbygoogle" style="display:inline-block;width:{_e(slot.width)}px;'
            f'height:{_e(slot.height)}px" data-ad-client="{_e(c.adsense_client_id)}"'
            f' data-ad-slot="{_e(slot.adsense_slot_id)}"></ins>\n'
        )
    else:
        body = ""
    # Never squeezed: on screens whose sizes do not include the creative's, it is not shown
    # (static/ads/ads.css); the slot keeps its reserved box there.
    unfit = "".join(
        f" ad-creative--not-{name}"
        for name, _, sizes in slot.size_mapping
        if c.size and c.size not in sizes
    )
    return (
        f'<div class="ad-creative ad-creative--{_e(kind)}{unfit}"'
        f' data-placement="{_e(placement.pk)}"'
        f' data-weight="{_e(placement.weight)}" data-priority="{_e(placement.priority)}"'
        f' data-starts="{_epoch_ms(placement.starts_at)}"'
        f' data-ends="{_epoch_ms(placement.ends_at)}">\n{body}</div>\n'
    )


def slot_html(slot, *, style, first, others, show_placeholder, gam, instance=None) -> str:
    """The slot's reserved box: its label, then the creative shown without JavaScript (or the
    placeholder), then the other candidates as inert `<template>`s for the rotation script.
    `instance` numbers a slot shown more than once on a page (between live entries), so each
    box has its own id and landmark name."""
    code = _e(slot.code)
    suffix = f"-{int(instance)}" if instance else ""
    name = _e(slot.name) + (f" ({int(instance)})" if instance else "")
    label = _e(slot.label)
    placeholder = PLACEHOLDER.format(code=code)
    shown = creative_html(first, slot, gam) if first else (placeholder if show_placeholder else "")
    candidates = "".join(
        f'\n    <template class="ad-candidate">{creative_html(p, slot, gam)}</template>'
        for p in others
    )
    kind = _e(first.creative.kind) if first else "none"
    if others and show_placeholder:
        candidates += f'\n    <template class="ad-empty">{placeholder}</template>'
    return (
        f'<aside class="ad-slot{" ad-slot--lazy" if slot.is_lazy else ""}"'
        f' id="ad-slot-{code}{suffix}"'
        f' data-ad-slot="{code}" data-beacon="{_e(_beacon_url(get_script_prefix()))}"'
        f' aria-label="{label}: {name}" style="{_e(style)}">\n'
        f'  <p class="ad-slot__label">{label}</p>\n'
        f'  <div class="ad-slot__box" data-creative="{kind}">\n'
        f"    {shown}{candidates}\n  </div>\n</aside>\n"
    )


EMAIL_PLACEHOLDER = "Fake Ad Placeholder (Ad slot: {code})"


def email_slot_html(slot, placement, *, absolute) -> str:
    """The slot for a newsletter: a table row with its label and the creative as mail shows
    it (a linked image with absolute addresses and sizes, or the sanitised HTML), or the
    placeholder text. Scripts, frames and network units never run in mail: the placeholder
    stands in. `absolute(path)` makes a site path a full URL."""
    body = ""
    c = placement.creative if placement else None
    if c is not None and c.image and c.kind in (Creative.Kind.IMAGE, Creative.Kind.HOUSE):
        image = format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" style="display:block;border:0;'
            'margin:0 auto;max-width:100%;height:auto;">',
            absolute(c.image.url), c.alt_text, c.width or "", c.height or "",
        )  # fmt: skip
        body = _email_link(placement, image, absolute) if c.click_url else image
    elif c is not None and c.kind in (Creative.Kind.HTML, Creative.Kind.HOUSE) and c.html:
        html = mark_safe(c.html)  # noqa: S308 (sanitised on save: clean_creative_html)
        body = _email_link(placement, html, absolute) if c.click_url else html
    if not body:
        body = format_html(
            '<p class="ad-placeholder" style="margin:0;">{}</p>',
            EMAIL_PLACEHOLDER.format(code=slot.code),
        )
    return format_html(
        '<tr><td class="ad" data-ad-slot="{}" align="center">'
        '<p class="ad-label">{}</p>{}</td></tr>',
        slot.code, slot.label, body,
    )  # fmt: skip


def _email_link(placement, inner, absolute):
    url = absolute(reverse("ads:click", args=[placement.pk]))
    return format_html('<a href="{}" rel="sponsored noopener" target="_blank">{}</a>', url, inner)
