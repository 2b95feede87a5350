"""What the rest of the site shows of the standing pages: the footer's links and the pages the
publisher's structured data names, both only from published pages, kept in the cache; and the
purge rule that carries a change to every cached page (the footer is on all of them)."""

import logging

from django.core.cache import cache as default_cache
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils.html import format_html, format_html_join

from articles.delivery import cache
from articles.standing.models import Kind, Page, PageStatus

logger = logging.getLogger(__name__)

KEPT = "standing:published"  # the published pages' titles, kinds and addresses
# schema.org's NewsMediaOrganization properties (the Trust Project's) → the kind of page an
# editor marks for each. "About us" states the publishing principles.
PUBLISHER_ROLES = {
    "publishingPrinciples": Kind.ABOUT,
    "ethicsPolicy": Kind.ETHICS,
    "correctionsPolicy": Kind.CORRECTIONS,
    "masthead": Kind.MASTHEAD,
}
FOOTER_ORDER = [Kind.ABOUT, Kind.MASTHEAD, Kind.ETHICS, Kind.CORRECTIONS, Kind.CONTACT, Kind.OTHER]


def published_pages() -> list[dict]:
    """Published pages as {title, kind, url}, in footer order (from the cache: one query at
    most a minute per process, and none after a change until the next page is rendered)."""
    try:
        kept = default_cache.get(KEPT)
    except Exception:  # the cache being down costs one query
        kept = None
    if kept is None:
        rank = {kind: n for n, kind in enumerate(FOOTER_ORDER)}
        pages = Page.objects.published().only("title", "slug", "kind", "created_at")
        kept = [
            {"title": p.title, "kind": p.kind, "url": p.get_absolute_url()}
            for p in sorted(pages, key=lambda p: (rank.get(p.kind, 99), p.created_at, p.pk))
            if is_reachable(p)
        ]
        try:
            default_cache.set(KEPT, kept, timeout=cache.LOCAL_COPY_SECONDS)
        except Exception:  # noqa: S110 (the page still renders)
            pass
    return kept


def is_reachable(page) -> bool:
    """Whether the page's address leads to it: a slug that another route answers first
    (`search`, `feed` …) is never linked, listed or named."""
    try:
        return resolve(page.get_absolute_url()).view_name == "standing:page"
    except Resolver404:
        return False


def footer_links():
    """The footer's links to the published standing pages (escaped)."""
    return format_html_join(
        "\n", '<li><a href="{}">{}</a></li>', ((p["url"], p["title"]) for p in published_pages())
    )


def footer_markup():
    links = footer_links()
    if not links:
        return ""
    return format_html(
        '<nav aria-label="About us"><ul class="site-footer__pages">{}</ul></nav>', links
    )


def publisher_pages() -> dict[str, str]:
    """schema.org property → the address of the published page marked for it (the oldest
    such page when an editor marked several)."""
    found = {}
    for role, kind in PUBLISHER_ROLES.items():
        page = next((p for p in published_pages() if p["kind"] == kind), None)
        if page is not None:
            found[role] = page["url"]
    return found


def forget_pages() -> None:
    try:
        default_cache.delete(KEPT)
    except Exception:
        logger.warning("Cache unavailable; standing pages not forgotten", exc_info=True)


def _page_saving(sender, instance, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._was_published = Page.objects.filter(
            pk=instance.pk, status=PageStatus.PUBLISHED
        ).exists()


def _page_changed(sender, instance, raw=False, **kwargs):
    """A page that is or was published changed: every cached page shows the footer (and the
    home page the publisher's pages), so all of them are purged; a draft's edit, nothing."""
    if raw:
        return
    was = getattr(instance, "_was_published", False)
    instance._was_published = None
    if was or instance.status == PageStatus.PUBLISHED:
        transaction.on_commit(forget_pages, robust=True)
        cache.purge_on_commit({cache.ALL})


def connect_signals() -> None:
    """The purge rule of standing pages (tests/articles/delivery/test_purge_rules.py)."""
    from django.db.models.signals import pre_save

    pre_save.connect(_page_saving, sender=Page, dispatch_uid="standing-page-state")
    cache._connect_rule(Page, _page_changed, _page_deleting)


def _page_deleting(sender, instance, **kwargs):
    if instance.status == PageStatus.PUBLISHED:
        transaction.on_commit(forget_pages, robust=True)
        cache.purge_on_commit({cache.ALL})
