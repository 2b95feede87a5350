"""Where hits wait before the flush: Redis when configured, else this process's memory.

Per hit, one Redis round trip (a Lua script for a view, a pipeline for a leave): a view adds
to its hour's hash (views and the referrer host) and the visitor key to two HyperLogLogs (the
article's day and hour); a "leave" adds engaged seconds. The flush (`services.flush`) takes
each hour's hash away with RENAME, so hits arriving meanwhile start a fresh one, and reads the
HyperLogLogs' counts.
Without Redis the same figures sit in a dict guarded by a lock (one process: `make run`, the
tests); docs/analytics.md says what that means with several processes.
"""

import logging
import secrets
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings

logger = logging.getLogger(__name__)

# One round trip per view: the hour's hash (views, referrer), the hours waiting for the flush,
# the visitor in the hour's and the day's HyperLogLog, the minute's views for "now".
ADD_VIEW = """
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PFADD', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[5])
redis.call('PFADD', KEYS[4], ARGV[4])
redis.call('EXPIRE', KEYS[4], ARGV[5])
redis.call('HINCRBY', KEYS[5], ARGV[6], 1)
redis.call('EXPIRE', KEYS[5], ARGV[7])
return 1
"""
KEEP_SECONDS = 50 * 3600  # the HyperLogLogs outlive the 48 hours of hourly rows
NOW_MINUTES = 5


@dataclass
class Bucket:
    """One hour's figures, ready for the database."""

    hour: datetime
    views: Counter = field(default_factory=Counter)  # article → views
    engaged: Counter = field(default_factory=Counter)  # article → seconds
    referrers: Counter = field(default_factory=Counter)  # (article, host) → views
    hour_visitors: dict = field(default_factory=dict)  # article → unique visitors (absolute)
    day_visitors: dict = field(default_factory=dict)  # article → unique visitors (absolute)
    token: str = ""  # the store's handle to confirm the bucket was written

    @property
    def day(self) -> date:
        return self.hour.date()


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def end_of_day(day: date) -> int:
    return int(datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC).timestamp())


class MemoryStore:
    """Hits in this process's memory (no Redis)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.buckets: dict[datetime, Bucket] = {}
        self.day_sets = defaultdict(set)  # (day, article) → visitor keys, today and yesterday
        self.hour_sets = defaultdict(set)  # (hour, article) → visitor keys
        self.minutes = defaultdict(Counter)  # minute stamp → article → views
        self.secrets: dict[date, bytes] = {}
        self.flushed_at = time.monotonic()

    def secret(self, day: date) -> bytes:
        with self.lock:
            if day not in self.secrets:
                self.secrets = {day: secrets.token_bytes(32)}  # the old day's goes for good
            return self.secrets[day]

    def add_view(self, *, article_id, at, visitor, host):
        hour = hour_of(at)
        with self.lock:
            bucket = self.buckets.setdefault(hour, Bucket(hour=hour))
            bucket.views[article_id] += 1
            bucket.referrers[(article_id, host)] += 1
            self.day_sets[(hour.date(), article_id)].add(visitor)
            self.hour_sets[(hour, article_id)].add(visitor)
            self.minutes[int(at.timestamp()) // 60][article_id] += 1

    def add_engaged(self, *, article_id, at, seconds):
        hour = hour_of(at)
        with self.lock:
            self.buckets.setdefault(hour, Bucket(hour=hour)).engaged[article_id] += seconds

    def drain(self) -> list[Bucket]:
        with self.lock:
            taken, self.buckets = list(self.buckets.values()), {}
            for bucket in taken:
                for article in bucket.views:
                    bucket.hour_visitors[article] = len(self.hour_sets[(bucket.hour, article)])
                    bucket.day_visitors[article] = len(self.day_sets[(bucket.day, article)])
            self.flushed_at = time.monotonic()
            self._forget_old()
        return taken

    def _forget_old(self):
        cutoff = hour_of(datetime.now(UTC)) - timedelta(hours=2)
        for key in [k for k in self.hour_sets if k[0] < cutoff]:
            del self.hour_sets[key]
        for key in [k for k in self.day_sets if k[0] < cutoff.date()]:
            del self.day_sets[key]
        oldest = int(time.time()) // 60 - NOW_MINUTES
        for minute in [m for m in self.minutes if m < oldest]:
            del self.minutes[minute]

    def done(self, buckets) -> None:
        """Memory buckets leave on `drain`; nothing to confirm."""

    def restore(self, buckets) -> None:
        """Put back buckets whose write failed, to try again at the next flush."""
        with self.lock:
            for old in buckets:
                bucket = self.buckets.setdefault(old.hour, Bucket(hour=old.hour))
                bucket.views.update(old.views)
                bucket.engaged.update(old.engaged)
                bucket.referrers.update(old.referrers)

    def now(self) -> Counter:
        first = int(time.time()) // 60 - NOW_MINUTES + 1
        total = Counter()
        with self.lock:
            for minute, counts in self.minutes.items():
                if minute >= first:
                    total.update(counts)
        return total

    def due(self, seconds: float) -> bool:
        return time.monotonic() - self.flushed_at >= seconds

    def clear(self):
        with self.lock:
            self.__init__()


class RedisStore:
    """Hits in Redis, under `prefix`."""

    def __init__(self, url: str, prefix: str):
        import redis

        self.redis = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.add_view_script = self.redis.register_script(ADD_VIEW)
        self.prefix = prefix
        self.secrets: dict[date, bytes] = {}
        self.lock = threading.Lock()

    def key(self, *parts) -> str:
        return self.prefix + ":".join(str(part) for part in parts)

    def secret(self, day: date) -> bytes:
        known = self.secrets.get(day)
        if known is not None:
            return known
        name = self.key("secret", day.isoformat())
        pipe = self.redis.pipeline()
        # Gone at midnight (UTC): with it goes any way of linking a visitor key to a reader.
        left = max(1, end_of_day(day) - int(time.time()))
        pipe.set(name, secrets.token_bytes(32), nx=True, ex=left)
        pipe.get(name)
        value = pipe.execute()[1]
        with self.lock:
            self.secrets = {day: value}  # this process forgets the old day's copy
        return value

    def add_view(self, *, article_id, at, visitor, host):
        hour = hour_of(at)
        stamp = int(hour.timestamp())
        keys = [
            self.key("h", stamp),
            self.key("pending"),
            self.key("uh", stamp, article_id),
            self.key("ud", hour.date().isoformat(), article_id),
            self.key("m", int(at.timestamp()) // 60),
        ]
        args = [f"v:{article_id}", f"r:{article_id}:{host}", stamp, visitor, KEEP_SECONDS,
                article_id, NOW_MINUTES * 60 + 60]  # fmt: skip
        self.add_view_script(keys=keys, args=args)

    def add_engaged(self, *, article_id, at, seconds):
        stamp = int(hour_of(at).timestamp())
        pipe = self.redis.pipeline(transaction=False)
        pipe.hincrby(self.key("h", stamp), f"e:{article_id}", seconds)
        pipe.sadd(self.key("pending"), stamp)
        pipe.execute()

    def drain(self) -> list[Bucket]:
        """Move each pending hour's hash aside (RENAME) and read it; a bucket stays aside
        until `done` (so a failed database write is retried, never lost)."""
        for stamp in self.redis.smembers(self.key("pending")):
            stamp = int(stamp)
            self.redis.srem(self.key("pending"), stamp)
            aside = self.key("aside", stamp, secrets.token_hex(4))
            try:
                self.redis.rename(self.key("h", stamp), aside)
            except Exception:  # noqa: S112 - nothing counted since the last flush
                continue
            self.redis.sadd(self.key("asides"), aside)
        buckets = []
        for aside in self.redis.smembers(self.key("asides")):
            aside = aside.decode()
            stamp = int(aside.split(":")[-2])
            bucket = Bucket(hour=datetime.fromtimestamp(stamp, UTC), token=aside)
            for name, value in self.redis.hgetall(aside).items():
                kind, _, rest = name.decode().partition(":")
                if kind == "v":
                    bucket.views[int(rest)] += int(value)
                elif kind == "e":
                    bucket.engaged[int(rest)] += int(value)
                elif kind == "r":
                    article, _, host = rest.partition(":")
                    bucket.referrers[(int(article), host)] += int(value)
            pipe = self.redis.pipeline()
            articles = list(bucket.views)
            for article in articles:
                pipe.pfcount(self.key("uh", stamp, article))
                pipe.pfcount(self.key("ud", bucket.day.isoformat(), article))
            counts = pipe.execute()
            for index, article in enumerate(articles):
                bucket.hour_visitors[article] = counts[2 * index]
                bucket.day_visitors[article] = counts[2 * index + 1]
            buckets.append(bucket)
        return buckets

    def done(self, buckets) -> None:
        tokens = [bucket.token for bucket in buckets]
        if tokens:
            pipe = self.redis.pipeline()
            pipe.delete(*tokens)
            pipe.srem(self.key("asides"), *tokens)
            pipe.execute()

    def restore(self, buckets) -> None:
        """Buckets stay aside in Redis until written: nothing to put back."""

    def now(self) -> Counter:
        last = int(time.time()) // 60
        pipe = self.redis.pipeline()
        for minute in range(last - NOW_MINUTES + 1, last + 1):
            pipe.hgetall(self.key("m", minute))
        total = Counter()
        for counts in pipe.execute():
            total.update({int(k): int(v) for k, v in counts.items()})
        return total

    def due(self, seconds: float) -> bool:
        return False  # the recurring job flushes Redis

    def clear(self):
        names = list(self.redis.scan_iter(match=self.prefix + "*", count=1000))
        if names:
            self.redis.delete(*names)
        self.secrets = {}


MEMORY = MemoryStore()
_REDIS: dict[tuple[str, str], RedisStore] = {}


def get_store():
    """The Redis store when `NEWSROOM_ANALYTICS_REDIS_URL` is set, else this process's memory."""
    url = settings.NEWSROOM_ANALYTICS_REDIS_URL
    if not url:
        return MEMORY
    prefix = settings.NEWSROOM_ANALYTICS_REDIS_PREFIX
    store = _REDIS.get((url, prefix))
    if store is None:
        store = _REDIS[(url, prefix)] = RedisStore(url, prefix)
    return store
