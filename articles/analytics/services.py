"""Counting reads, writing them down, and "Most read" (docs/analytics.md)."""

import logging
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Greatest
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from articles.analytics import privacy
from articles.analytics.models import DailyCount, HourlyCount, MostReadExclusion, ReferrerCount
from articles.analytics.store import MEMORY, get_store, hour_of
from articles.delivery import cache as page_cache
from articles.models import Article

logger = logging.getLogger(__name__)

MAX_ENGAGED_SECONDS = 30 * 60  # one beacon never claims more than half an hour
HOURLY_KEEP = timedelta(hours=48)
MOST_READ_KEY = "analytics:most-read:v1"
MOST_READ_SIZE = 5
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}
EMPTY = {"at": 0, "lists": {}}


def _record(method, **kwargs) -> None:
    """Hand a hit to the store; if Redis fails, keep it in this process rather than lose it."""
    store = get_store()
    try:
        getattr(store, method)(**kwargs)
    except Exception:
        if store is MEMORY:
            raise
        logger.warning("Analytics store unavailable; keeping the hit in memory")
        getattr(MEMORY, method)(**kwargs)
    if MEMORY.due(settings.NEWSROOM_ANALYTICS_MEMORY_FLUSH_SECONDS) and MEMORY.buckets:
        flush(store=MEMORY)  # without Redis the web process writes its own (every N seconds)


def record_view(*, article_id: int, host: str, address: str, user_agent: str, at=None) -> None:
    """Count one view of an article; the visitor key is made here and never kept."""
    at = at or timezone.now()
    day = hour_of(at).date()
    try:
        secret = get_store().secret(day)
    except Exception:
        secret = MEMORY.secret(day)
    visitor = privacy.visitor_key(secret=secret, day=day, address=address, user_agent=user_agent)
    _record("add_view", article_id=article_id, at=at, visitor=visitor, host=host)


def record_engaged(*, article_id: int, seconds: int, at=None) -> None:
    """Add the seconds a reader had the article in view."""
    seconds = max(0, min(int(seconds), MAX_ENGAGED_SECONDS))
    if seconds:
        _record("add_engaged", article_id=article_id, at=at or timezone.now(), seconds=seconds)


def _add(model, match: dict, *, views=0, visitors=None, engaged=0) -> None:
    """Add to one row (creating it): views and seconds add up, visitors are the store's own
    running count for the period, so the larger figure wins."""
    changes = {"views": F("views") + views}
    if visitors is not None:
        changes["visitors"] = Greatest(F("visitors"), visitors)
    if engaged:
        changes["engaged_seconds"] = F("engaged_seconds") + engaged
    if model.objects.filter(**match).update(**changes):
        return
    fields = {"views": views}
    if visitors is not None:
        fields["visitors"] = visitors
    if engaged:
        fields["engaged_seconds"] = engaged
    try:
        with transaction.atomic():
            model.objects.create(**match, **fields)
    except IntegrityError:  # another flush created it meanwhile
        model.objects.filter(**match).update(**changes)


def write_bucket(bucket, known: set[int]) -> None:
    """One hour's figures into the daily, hourly and referrer rows (articles that exist)."""
    for article, views in bucket.views.items():
        if article not in known:
            continue
        _add(
            DailyCount,
            {"article_id": article, "day": bucket.day},
            views=views,
            visitors=bucket.day_visitors.get(article, 0),
            engaged=bucket.engaged.get(article, 0),
        )
        _add(
            HourlyCount,
            {"article_id": article, "hour": bucket.hour},
            views=views,
            visitors=bucket.hour_visitors.get(article, 0),
        )
    for article, seconds in bucket.engaged.items():
        if article in known and article not in bucket.views:
            _add(DailyCount, {"article_id": article, "day": bucket.day}, engaged=seconds)
    for (article, host), views in bucket.referrers.items():
        if article in known:
            _add(
                ReferrerCount,
                {"article_id": article, "day": bucket.day, "host": host},
                views=views,
            )


def flush(*, store=None, now=None) -> int:
    """Write what the store holds into the database; drop hourly rows older than 48 hours.
    Returns the number of views written."""
    store = store or get_store()
    buckets = store.drain()
    ids = {a for b in buckets for a in (*b.views, *b.engaged)}
    known = set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    try:
        with transaction.atomic():
            for bucket in buckets:
                write_bucket(bucket, known)
    except Exception:
        store.restore(buckets)
        raise
    store.done(buckets)
    now = now or timezone.now()
    HourlyCount.objects.filter(hour__lt=hour_of(now) - HOURLY_KEEP).delete()
    return sum(views for b in buckets for a, views in b.views.items() if a in known)


def now_counts() -> Counter:
    """Views per article in the last five minutes (not yet in the database)."""
    try:
        counts = get_store().now()
    except Exception:
        counts = Counter()
    if get_store() is not MEMORY:
        counts.update(MEMORY.now())
    return counts


# "Most read" ---------------------------------------------------------------------------------


def _window_counts(period: str, now: datetime) -> Counter:
    if period == "24h":
        rows = HourlyCount.objects.filter(hour__gt=hour_of(now) - PERIODS[period])
    else:
        rows = DailyCount.objects.filter(day__gt=now.astimezone(UTC).date() - PERIODS[period])
    totals = rows.values("article").annotate(total=Sum("views")).order_by("-total")[:500]
    return Counter({row["article"]: row["total"] for row in totals})


def compute_most_read(*, now=None) -> dict:
    """The lists, site-wide and per section, for each period: published articles only, and
    none an editor excluded. Each entry: (id, headline, address, unpublish time or None, publish
    time)."""
    now = now or timezone.now()
    lists: dict[str, list] = {}
    for period in PERIODS:
        counts = _window_counts(period, now)
        articles = (
            Article.objects.published()
            .filter(pk__in=list(counts), most_read_exclusion__isnull=True)
            .select_related("section")
            .only("pk", "headline", "slug", "published_at", "unpublish_at", "section__slug")
        )
        ranked = sorted(articles, key=lambda a: (-counts[a.pk], -a.published_at.timestamp()))
        for article in ranked:
            entry = (
                article.pk,
                article.headline,
                article.get_absolute_url(),
                article.unpublish_at.timestamp() if article.unpublish_at else None,
                article.published_at.timestamp(),
            )
            for name in (f"site:{period}", f"section:{article.section_id}:{period}"):
                chosen = lists.setdefault(name, [])
                if len(chosen) < MOST_READ_SIZE:
                    chosen.append(entry)
    return {"at": now.timestamp(), "lists": lists}


def refresh_most_read(*, now=None) -> dict:
    """Work the lists out again and keep them for the pages."""
    data = compute_most_read(now=now)
    try:
        default_cache.set(MOST_READ_KEY, data, timeout=settings.NEWSROOM_ANALYTICS_MOST_READ_TTL)
    except Exception:
        logger.warning('Cache unavailable; "Most read" not kept')
    return data


def kept_lists() -> dict | None:
    try:
        return default_cache.get(MOST_READ_KEY)
    except Exception:
        logger.warning('Cache unavailable; no "Most read"')
        return EMPTY


def most_read_lists() -> dict:
    """The kept lists: one cache read. Only when nothing is kept (the cache was emptied, or a
    per-process cache without Redis) are they worked out here; a cache that is down shows
    none rather than query on every page."""
    data = kept_lists()
    if data is None:
        data = refresh_most_read()
    return data


def most_read(data: dict, *, section_id=None, period="24h", at=None) -> list:
    """One list from the kept lists, without what has come down by the clock since."""
    name = f"section:{section_id}:{period}" if section_id else f"site:{period}"
    at = time.time() if at is None else at
    return [entry for entry in data["lists"].get(name, ()) if not entry[3] or entry[3] > at]


def _article_changed(sender, instance, **kwargs):
    """An article saved or deleted: if it is in "Most read", work the lists out again after
    commit (an unpublished or excluded article leaves them at once) and purge its pages."""
    try:
        article = instance.article if isinstance(instance, MostReadExclusion) else instance
    except Article.DoesNotExist:  # the exclusion goes with its deleted article
        return
    pk, published_at = article.pk, article.published_at
    stamp = published_at.timestamp() if published_at else None
    data = kept_lists()
    # The id and the publish time: an article that was never live matches no entry.
    if data is None or not any(
        entry[0] == pk and entry[4] == stamp
        for entries in data["lists"].values()
        for entry in entries
    ):
        return  # not shown anywhere (a missing list is worked out afresh when next read)
    transaction.on_commit(refresh_most_read)
    page_cache.purge_on_commit({page_cache.article_key(pk)})


def connect() -> None:
    for model in (Article, MostReadExclusion):
        post_save.connect(_article_changed, sender=model, dispatch_uid=f"analytics-{model}")
        post_delete.connect(_article_changed, sender=model, dispatch_uid=f"analytics-d-{model}")


def exclude(*, article, by, reason: str = "") -> MostReadExclusion:
    """Keep an article out of "Most read" (its figures are still counted)."""
    exclusion, _ = MostReadExclusion.objects.get_or_create(
        article=article, defaults={"excluded_by": by, "reason": reason}
    )
    return exclusion


def day_range(days: int, *, today: date | None = None) -> tuple[date, date]:
    """The first and last UTC day of the last `days` days, today included."""
    today = today or timezone.now().astimezone(UTC).date()
    return today - timedelta(days=days - 1), today
