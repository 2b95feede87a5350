"""Page entries a process keeps in memory beside Redis (articles/cache_backend.PageMemo): a hit
from memory makes no Redis call, and every change Redis reports (a purge mark or an entry
written by any process, a flush, the tracking connection dropping) ends the copy."""

import time
from unittest import mock

from django.core.cache import caches
from django.test import RequestFactory, TestCase, override_settings

from articles.delivery import cache, middleware
from tests.articles.delivery.test_page_cache_hit import PAGE_CACHE_ON, REDIS_DB7, redis_up
from tests.factories import ArticleFactory


def wait_until(condition, seconds=2.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


@PAGE_CACHE_ON
@override_settings(CACHES=REDIS_DB7, NEWSROOM_PAGE_CACHE_LOCAL=50)
class PageMemoTests(TestCase):
    def setUp(self):
        if not redis_up():
            self.skipTest("no Redis on 127.0.0.1:6379")
        middleware.KNOWN_MARKS.clear()
        self.backend = caches["default"]
        self.redis = self.backend._cache.get_client(write=True)
        self.article = ArticleFactory(headline="Memo story")
        self.url = self.article.get_absolute_url()

    def tearDown(self):
        memo = self.backend._memo
        if memo is not None:
            memo._lose()
        for key in self.redis.scan_iter(match="newsroom-test-hit:*"):
            self.redis.delete(key)

    def script_calls(self):
        """A patch counting the Redis script calls (the only way a hit reaches Redis)."""
        self.client.get(self.url)  # make sure the script object exists
        return mock.patch.object(
            self.backend._cache, "_get_page", wraps=self.backend._cache._get_page
        )

    def fill(self):
        """A miss stores the entry, the next request reads it from Redis and keeps it."""
        assert self.client.get(self.url)["X-Page-Cache"] == "miss"
        assert self.client.get(self.url)["X-Page-Cache"] == "hit"
        return self.backend.make_key(middleware.entry_key(self._request())).encode()

    def _request(self):
        return RequestFactory().get(self.url, HTTP_HOST="testserver")

    def test_a_kept_entry_is_served_without_asking_redis(self):
        key = self.fill()
        assert key in self.backend._memo.entries
        with self.script_calls() as script, self.assertNumQueries(0):
            hit = self.client.get(self.url)
            head = self.client.head(self.url)
        assert script.call_count == 0
        assert hit.status_code == 200 and hit["X-Page-Cache"] == "hit"
        assert b"Memo story" in hit.content and head.content == b""
        assert hit["ETag"] == head["ETag"] and "Surrogate-Key" in hit

    def test_a_purge_from_another_process_ends_the_copy(self):
        key = self.fill()
        self.article.headline = "Memo story, updated"
        self.article.save()
        # Another server's purge: written straight to Redis, not through this process.
        mark = cache.PURGED_PREFIX + cache.article_key(self.article.pk)
        self.redis.set(self.backend.make_key(mark), cache.microseconds())
        assert wait_until(lambda: self.backend.memo.get(key)[0] is None)
        response = self.client.get(self.url)
        assert response["X-Page-Cache"] == "miss"
        assert b"Memo story, updated" in response.content

    def test_a_purge_from_this_process_ends_the_copy_at_once(self):
        key = self.fill()
        cache.purge({cache.article_key(self.article.pk)})
        assert key not in self.backend._memo.entries
        assert self.client.get(self.url)["X-Page-Cache"] == "miss"

    def test_an_entry_rewritten_elsewhere_or_a_flush_ends_the_copy(self):
        key = self.fill()
        self.redis.expire(key, 300)  # another process touching the entry
        assert wait_until(lambda: self.backend.memo.get(key)[0] is None)
        self.client.get(self.url)
        assert key in self.backend._memo.entries
        self.redis.flushdb()
        assert wait_until(lambda: self.backend.memo.watching() and not self.backend.memo.entries)
        assert self.client.get(self.url)["X-Page-Cache"] == "miss"

    def test_losing_the_tracking_connection_forgets_everything_and_reconnects(self):
        key = self.fill()
        memo = self.backend._memo
        old = memo.connection
        trackers = [c["id"] for c in self.redis.client_list() if "t" in c["flags"]]
        assert trackers
        for tracker in trackers:  # Redis restarting, or a network blip, as far as it can tell
            self.redis.execute_command("CLIENT", "KILL", "ID", tracker)
        assert wait_until(lambda: not memo.watching())
        assert memo.connection is None and not memo.entries
        memo.get(key)  # a new connection
        assert key not in memo.entries and memo.connection is not old
        # Pages still come right, from Redis, and are kept again.
        assert self.client.get(self.url)["X-Page-Cache"] == "hit"
        assert key in memo.entries

    def test_no_tracking_means_no_copies_and_redis_answers_every_hit(self):
        self.fill()
        memo = self.backend._memo
        memo._lose()
        with mock.patch.object(memo, "_connect", side_effect=ConnectionError("down")):
            with self.script_calls() as script:
                assert self.client.get(self.url)["X-Page-Cache"] == "hit"
                assert self.client.get(self.url)["X-Page-Cache"] == "hit"
            assert script.call_count == 2 and not memo.entries
            assert memo._connect.call_count == 1  # tried once, then left alone for a while
        memo.retry_at = 0
        self.client.get(self.url)
        assert memo.connection is not None  # tried again later, and copies resume
        assert self.client.get(self.url)["X-Page-Cache"] == "hit" and memo.entries

    @override_settings(NEWSROOM_PAGE_CACHE_LOCAL=0)
    def test_switched_off_every_hit_asks_redis(self):
        self.client.get(self.url)
        with self.script_calls() as script:
            assert self.client.get(self.url)["X-Page-Cache"] == "hit"
            assert self.client.get(self.url)["X-Page-Cache"] == "hit"
        assert script.call_count == 2 and self.backend.memo is None

    @override_settings(NEWSROOM_PAGE_CACHE_LOCAL=1)
    def test_the_memory_is_bounded(self):
        first = self.fill()
        other = ArticleFactory(headline="Second memo story")
        self.client.get(other.get_absolute_url())
        self.client.get(other.get_absolute_url())
        assert list(self.backend._memo.entries) != [first] and len(self.backend._memo.entries) == 1
