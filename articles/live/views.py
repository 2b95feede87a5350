"""Readers' live coverage endpoints: the poll, "load more", entry share pages and the feed.

Every response is shared (page cache and Varnish) and names the coverage's key
(`services.live_key`), which every change readers can see purges.
"""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.delivery import cache
from articles.live import reads
from articles.live.services import live_key
from articles.models import Article


def _coverage(request, article_id):
    coverage = reads.public_coverage(article_id)
    if coverage is None:
        raise Http404("No live coverage here.")
    cache.add_keys(request, live_key(article_id))
    cache.changes_at(request, coverage.article.unpublish_at)
    return coverage


@require_safe
def poll(request, article_id, version):
    """What changed since `version`: the same URL for every reader who is up to date, kept by
    shared caches about one poll interval and purged on every change."""
    coverage = _coverage(request, article_id)
    interval = reads.poll_interval(coverage)
    cache.keep_for(request, interval, interval)
    response = JsonResponse(reads.changes_since(coverage, version))
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def older(request, article_id, cursor):
    """Entries older than `cursor` (keyset, no OFFSET): "load more", with or without scripts."""
    position = reads.parse_cursor(cursor)
    if position is None:
        raise Http404("No such page of entries.")
    coverage = _coverage(request, article_id)
    entries, next_cursor = reads.entries_before(coverage, *position)
    context = {"article": coverage.article, "entries": entries, "next_cursor": next_cursor}
    response = render(request, "live/older.html", context)
    response["X-Robots-Tag"] = "noindex, follow"
    return response


@require_safe
def entry_share(request, article_id, entry_id):
    """One entry's share card (Open Graph and Twitter), pointing readers to its anchor."""
    coverage = _coverage(request, article_id)
    entry = (
        reads.LiveEntry.objects.published()
        .filter(coverage=coverage, pk=entry_id)
        .prefetch_related("authors")
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    context = {
        "article": coverage.article,
        "entry": entry,
        "summary": reads.summary(entry),
        "url": reads.absolute_url(entry.get_absolute_url()),
        "share_url": reads.absolute_url(request.path),
    }
    return render(request, "live/entry_share.html", context)


def article_of(article_id) -> Article:
    coverage = reads.public_coverage(article_id)
    if coverage is None:
        raise Http404("No live coverage here.")
    return coverage.article
