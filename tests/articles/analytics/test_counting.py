"""Exact counts across a day boundary, nothing identifying in any table, on both stores."""

from datetime import UTC, date, datetime

import redis
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings

from articles.analytics import services
from articles.analytics.models import DailyCount, HourlyCount, ReferrerCount
from articles.analytics.privacy import browser_family, network
from articles.analytics.store import MEMORY, RedisStore, get_store
from tests.articles.analytics.helpers import (
    FIREFOX,
    OTHER_IP,
    READER_IP,
    REDIS_PREFIX,
    REDIS_URL,
    SAFARI,
    beacon,
    clear_stores,
)
from tests.factories import ArticleFactory

BEFORE_MIDNIGHT = datetime(2026, 3, 9, 23, 58, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 3, 10, 0, 2, tzinfo=UTC)


def dump_database() -> str:
    """Every row of every table, as text."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


class ScriptedDay:
    """Visits on both sides of midnight (UTC); the counts are known exactly."""

    def script(self):
        first, second = self.first, self.second
        with time_machine.travel(BEFORE_MIDNIGHT, tick=False):
            beacon(self.client, a=first.pk, r="social.example")  # reader A
            beacon(self.client, a=first.pk)  # reader A again
            beacon(self.client, a=first.pk, ua=SAFARI)  # reader B (same network)
            beacon(self.client, a=second.pk, ip=OTHER_IP)  # reader C
            beacon(self.client, a=first.pk, t="leave", s="30")
            beacon(self.client, a=first.pk, ua="Googlebot/2.1 (+http://www.google.com/bot.html)")
            services.flush()
        with time_machine.travel(AFTER_MIDNIGHT, tick=False):
            beacon(self.client, a=first.pk)  # reader A on a new day: a new visitor
            beacon(self.client, a=first.pk, ip=OTHER_IP)  # reader C
            beacon(self.client, a=first.pk, t="leave", s="12")
            services.flush()

    def assert_counts(self):
        days = {
            (row.article_id, row.day): (row.views, row.visitors, row.engaged_seconds)
            for row in DailyCount.objects.all()
        }
        self.assertEqual(
            days,
            {
                (self.first.pk, date(2026, 3, 9)): (3, 2, 30),
                (self.second.pk, date(2026, 3, 9)): (1, 1, 0),
                (self.first.pk, date(2026, 3, 10)): (2, 2, 12),
            },
        )
        hours = {
            (r.article_id, r.hour.hour): (r.views, r.visitors) for r in HourlyCount.objects.all()
        }
        self.assertEqual(
            hours,
            {(self.first.pk, 23): (3, 2), (self.second.pk, 23): (1, 1), (self.first.pk, 0): (2, 2)},
        )
        self.assertEqual(
            sorted(ReferrerCount.objects.values_list("article_id", "day", "host", "views")),
            sorted([
                (self.first.pk, date(2026, 3, 9), "social.example", 1),
                (self.first.pk, date(2026, 3, 9), "", 2),
                (self.second.pk, date(2026, 3, 9), "", 1),
                (self.first.pk, date(2026, 3, 10), "", 2),
            ]),
        )  # fmt: skip

    def assert_nothing_identifying(self):
        dump = dump_database()
        for secret in (
            READER_IP, OTHER_IP, "203.0.113", "198.51.100", network(READER_IP), FIREFOX, SAFARI,
            "Firefox", "Safari", browser_family(FIREFOX),
        ):  # fmt: skip
            self.assertNotIn(secret, dump)

    def test_exact_counts_across_midnight(self):
        self.script()
        self.assert_counts()

    def test_no_address_or_user_agent_in_any_table(self):
        self.script()
        self.assertTrue(DailyCount.objects.exists())
        self.assert_nothing_identifying()

    def test_hourly_rows_older_than_48_hours_go(self):
        self.script()
        with time_machine.travel(datetime(2026, 3, 12, 0, 30, tzinfo=UTC), tick=False):
            services.flush()
        self.assertEqual(list(HourlyCount.objects.values_list("hour__hour", flat=True)), [0])
        self.assertEqual(DailyCount.objects.count(), 3)  # daily rows stay


@override_settings(NEWSROOM_ANALYTICS_REDIS_URL="")
class MemoryStoreTests(ScriptedDay, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first, cls.second = ArticleFactory(), ArticleFactory()

    def setUp(self):
        clear_stores()
        cache.clear()

    def test_the_day_secret_is_replaced_the_next_day(self):
        old = MEMORY.secret(date(2026, 3, 9))
        self.assertEqual(MEMORY.secret(date(2026, 3, 9)), old)
        MEMORY.secret(date(2026, 3, 10))
        self.assertEqual(list(MEMORY.secrets), [date(2026, 3, 10)])

    def test_the_web_process_writes_its_own_hits_every_few_seconds(self):
        MEMORY.flushed_at -= 60
        beacon(self.client, a=self.first.pk)
        self.assertEqual(DailyCount.objects.get().views, 1)


@override_settings(
    NEWSROOM_ANALYTICS_REDIS_URL=REDIS_URL, NEWSROOM_ANALYTICS_REDIS_PREFIX=REDIS_PREFIX
)
class RedisStoreTests(ScriptedDay, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first, cls.second = ArticleFactory(), ArticleFactory()

    def setUp(self):
        clear_stores()
        cache.clear()
        self.addCleanup(clear_stores)

    def test_hits_wait_in_redis_until_the_flush(self):
        store = get_store()
        self.assertIsInstance(store, RedisStore)
        beacon(self.client, a=self.first.pk)
        self.assertFalse(DailyCount.objects.exists())
        self.assertFalse(MEMORY.buckets)
        self.assertEqual(services.now_counts()[self.first.pk], 1)
        services.flush()
        self.assertEqual(DailyCount.objects.get().views, 1)
        self.assertEqual(services.flush(), 0)  # nothing counted twice

    def test_the_day_secret_expires_at_midnight(self):
        with time_machine.travel(BEFORE_MIDNIGHT, tick=False):
            get_store().secret(date(2026, 3, 9))
        left = redis.Redis.from_url(REDIS_URL).ttl(f"{REDIS_PREFIX}secret:2026-03-09")
        self.assertTrue(110 <= left <= 120, left)  # 23:58 → midnight

    def test_no_address_or_user_agent_in_redis(self):
        with time_machine.travel(BEFORE_MIDNIGHT, tick=False):
            beacon(self.client, a=self.first.pk, r="social.example")
        client = redis.Redis.from_url(REDIS_URL)
        for name in client.scan_iter(match=REDIS_PREFIX + "*"):
            text = repr(name) + repr(client.dump(name))
            for secret in (READER_IP, "203.0.113", FIREFOX, "Firefox"):
                self.assertNotIn(secret, text)

    def test_a_failed_database_write_keeps_the_hits_for_the_next_flush(self):
        beacon(self.client, a=self.first.pk)
        original = services.write_bucket

        def broken(bucket, known):
            raise RuntimeError("database down")

        services.write_bucket = broken
        try:
            with self.assertRaises(RuntimeError):
                services.flush()
        finally:
            services.write_bucket = original
        services.flush()
        self.assertEqual(DailyCount.objects.get().views, 1)


@override_settings(
    NEWSROOM_ANALYTICS_REDIS_URL="redis://127.0.0.1:1/0",
    NEWSROOM_ANALYTICS_REDIS_PREFIX=REDIS_PREFIX,
)
class RedisDownTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory()

    def setUp(self):
        MEMORY.clear()
        self.addCleanup(MEMORY.clear)

    def test_hits_are_kept_in_memory_when_redis_is_down(self):
        with self.assertLogs("articles.analytics.services", "WARNING"):
            self.assertEqual(beacon(self.client, a=self.article.pk).status_code, 204)
        services.flush(store=MEMORY)
        self.assertEqual(DailyCount.objects.get().views, 1)
