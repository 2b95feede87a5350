"""What readers get of live coverage: every public surface (the article page, the poll, "load
more", entry share pages, the feed, JSON-LD) reads through these, which start from
`LiveEntry.objects.published()` and the public article."""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from articles.live.models import CoverageState, EntryStatus, LiveCoverage, LiveEntry
from articles.models import Article
from articles.publication import absolute_url

CURSOR = re.compile(r"^(\d{1,20})-(\d{1,20})$")
MAX_CHANGES = 50  # a poll listing more asks the page to load the stream afresh
REQUEST_ATTR = "_live_streams"
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def public_coverage(article_id) -> LiveCoverage | None:
    """The coverage of a public article, or None."""
    public = Article.objects.published().filter(pk=article_id)
    return (
        LiveCoverage.objects.filter(article__in=public.values("pk"))
        .select_related("article")
        .first()
    )


def _entries(coverage):
    return (
        LiveEntry.objects.published()
        .filter(coverage=coverage)
        .prefetch_related("authors")
        .newest_first()
    )


def cursor_of(entry: LiveEntry) -> str:
    """The keyset position after `entry`: its time (microseconds) and id."""
    return f"{int(entry.published_at.timestamp() * 1_000_000)}-{entry.pk}"


def parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    match = CURSOR.match(cursor or "")
    if not match:
        return None
    try:
        at = datetime.fromtimestamp(int(match[1]) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return at, int(match[2])


def entries_before(coverage, at: datetime, pk: int, limit=None) -> tuple[list, str | None]:
    """One page of unpinned entries after the keyset position (no OFFSET), and the next
    cursor (None at the end)."""
    limit = limit or settings.NEWSROOM_LIVE_PAGE_SIZE
    rows = list(
        _entries(coverage)
        .filter(is_pinned=False)
        .filter(Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk))[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (cursor_of(rows[-1]) if more and rows else None)


@dataclass
class Stream:
    """The stream as the article page first shows it."""

    coverage: LiveCoverage
    pinned: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    key_events: list = field(default_factory=list)
    next_cursor: str | None = None

    @property
    def poll_url(self) -> str:
        return poll_path(self.coverage.article_id, self.coverage.version)

    @property
    def interval(self) -> int:
        return poll_interval(self.coverage)


def stream_for(request, article) -> Stream | None:
    """The article's public stream (once per request), or None: not live coverage, or not
    public."""
    kept = request.__dict__.setdefault(REQUEST_ATTR, {}) if request is not None else {}
    if article.pk in kept:
        return kept[article.pk]
    stream = None
    is_public = getattr(article, "is_public", None)
    if is_public is None:
        is_public = Article.objects.published().filter(pk=article.pk).exists()
    if is_public:
        coverage = LiveCoverage.objects.filter(article_id=article.pk).first()
        if coverage is not None:
            coverage.article = article
            stream = _first_page(coverage)
    kept[article.pk] = stream
    return stream


def _first_page(coverage) -> Stream:
    limit = settings.NEWSROOM_LIVE_PAGE_SIZE
    # One query: the pinned entries and the newest unpinned ones.
    rows = list(_entries(coverage).order_by("-is_pinned", "-published_at", "-pk")[: limit + 21])
    pinned = [e for e in rows if e.is_pinned][:20]
    rest = [e for e in rows if not e.is_pinned]
    entries = rest[:limit]
    key_events = list(
        LiveEntry.objects.published()
        .filter(coverage=coverage, is_key_event=True)
        .newest_first()
        .only("pk", "headline", "body", "published_at")[:20]
    )
    more = len(rest) > limit
    return Stream(
        coverage=coverage,
        pinned=pinned,
        entries=entries,
        key_events=key_events,
        next_cursor=cursor_of(entries[-1]) if more and entries else None,
    )


def poll_interval(coverage) -> int:
    if coverage.state == CoverageState.PAUSED:
        return settings.NEWSROOM_LIVE_PAUSED_POLL_SECONDS
    return settings.NEWSROOM_LIVE_POLL_SECONDS


def poll_path(article_id, version) -> str:
    from django.urls import reverse

    return reverse("live:poll", args=[article_id, version])


def entry_html(entry, article) -> str:
    return render_to_string("live/_entry.html", {"entry": entry, "article": article})


def entry_data(entry, article) -> dict:
    """An entry as the poll and the composer send it: its reader markup and its flags."""
    return {
        "id": entry.pk,
        "html": entry_html(entry, article),
        "headline": entry.headline,
        "summary": summary(entry),
        "pinned": entry.is_pinned,
        "key": entry.is_key_event,
        "at": entry.published_at.isoformat() if entry.published_at else None,
    }


def changes_since(coverage, version: int) -> dict:
    """The poll's answer: what readers at `version` must change to be at the current one."""
    current = coverage.version
    answer = {"v": current, "state": coverage.state, "interval": poll_interval(coverage)}
    if coverage.state == CoverageState.ENDED:
        answer["stop"] = True
    if version == current:
        return answer
    if version > current or current - version > MAX_CHANGES:
        answer["reload"] = True
        return answer
    changed = LiveEntry.objects.filter(
        coverage=coverage, changed_in__gt=version, changed_in__lte=current
    )
    visible = list(
        _entries(coverage).filter(changed_in__gt=version, changed_in__lte=current)[:MAX_CHANGES]
    )
    shown = {e.pk for e in visible}
    # Removed or no longer public: readers drop it (ids only; never its words).
    gone = changed.exclude(status=EntryStatus.PUBLISHED).values_list("pk", flat=True)
    answer["entries"] = [entry_data(e, coverage.article) for e in reversed(visible)]
    answer["removed"] = sorted(pk for pk in gone if pk not in shown)
    return answer


def summary(entry, length=200) -> str:
    text = " ".join(strip_tags(entry.body).split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


class SafeJson(str):
    """JSON already escaped for a <script> element (`json_ld`): format_html keeps it as is."""

    def __html__(self):
        return self


def json_ld(stream: Stream) -> str:
    """`LiveBlogPosting` for the article page (escaped for a <script> element)."""
    coverage, article = stream.coverage, stream.coverage.article
    url = absolute_url(article.get_absolute_url())
    updates = sorted(
        {e.pk: e for e in [*stream.pinned, *stream.entries]}.values(),
        key=lambda e: (e.published_at, e.pk),
        reverse=True,
    )
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url + "#live",
        "headline": article.headline,
        "url": url,
        "coverageStartTime": coverage.started_at.isoformat(),
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "@id": f"{url}#{e.anchor}",
                "url": f"{url}#{e.anchor}",
                "headline": e.headline or summary(e, 110),
                "articleBody": summary(e, 5000),
                "datePublished": e.published_at.isoformat(),
                **({"dateModified": e.edited_at.isoformat()} if e.edited_at else {}),
                **(
                    {"author": [{"@type": "Person", "name": a.name} for a in e.authors.all()]}
                    if e.authors.all()
                    else {}
                ),
            }
            for e in updates
        ],
    }
    if coverage.ended_at:
        data["coverageEndTime"] = coverage.ended_at.isoformat()
    return json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
