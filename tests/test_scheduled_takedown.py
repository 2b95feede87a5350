"""A scheduled unpublish leaves every cache on time: Varnish (deploy/varnish/default.vcl) in
front of the live test server, whose page cache is Redis (db 9, with per-process copies).

An article with an unpublish time a few seconds ahead is fetched through Varnish from its
page, the home page, its tag page, feeds and sitemaps until each is a hit; then, within 5 s of
the unpublish time, none of them shows it. Once with the scheduler running (its `run_due()`
every half second: the purge) and once with it stopped (the lifetime cap alone). Needs
redis-server on 127.0.0.1:6379 and Debian's varnish + varnish-modules (`.ci/run` installs them).
"""

import os
import shutil
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.db import connection
from django.test import LiveServerTestCase, override_settings
from django.utils import timezone

from articles import services
from articles.delivery import cache
from articles.models import Tag
from tests.factories import ArticleFactory, SectionFactory
from tests.servers import Servers, varnish_missing

PORT = 18150  # each server test its own port: xdist runs them side by side
REDIS_DB9 = {
    "default": {
        "BACKEND": "articles.delivery.backend.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/9",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2},
    }
}
LEAD = 8.0  # seconds from creating the article to its unpublish time: enough to warm caches
WITHIN = 5.0  # every surface drops it this soon after its unpublish time


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, db=9, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(
    (varnish_missing() or shutil.which("redis-server") is None) and not os.environ.get("CI"),
    reason="varnishd / varnish-modules / redis-server missing",
)
@override_settings(
    CACHES=REDIS_DB9,
    NEWSROOM_PAGE_CACHE=True,
    NEWSROOM_PURGE_URLS=[f"http://127.0.0.1:{PORT}/"],
)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: the live server's threads and the test share one database "
    "(SQLite's in-memory test database locks them out; CI's PostgreSQL leg runs it)",
)
class ScheduledTakedownTests(LiveServerTestCase):
    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.servers = Servers(prefix="newsroom-takedown-")
        cls.servers.start_varnish(PORT, app_port=cls.live_server_url.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.servers.stop()
        super().tearDownClass()

    def setUp(self):
        if not redis_up():
            self.skipTest("no Redis on 127.0.0.1:6379")
        from django.core.cache import cache as default_cache

        default_cache.clear()  # db 9 only
        cache.purge([cache.ALL])  # Varnish: nothing from another test

    def get(self, path):
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{path}", headers={"Host": "127.0.0.1"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def takedown(self, *, scheduler_running):
        section = SectionFactory(slug="harbour")
        ArticleFactory(headline="Standing story", section=section, tags=["Harbour"])
        unpublish_at = timezone.now() + timedelta(seconds=LEAD)
        article = ArticleFactory(
            headline="Takedown story",
            slug="takedown-story",
            section=section,
            tags=["Harbour"],
            unpublish_at=unpublish_at,
        )
        tag = Tag.objects.get(name="Harbour")
        urls = [
            article.get_absolute_url(),
            "/",
            f"/tags/{tag.slug}/",
            "/sections/harbour/",
            "/feed/",
            f"/tags/{tag.slug}/feed/",
            "/sitemap-articles.xml",
            "/sitemap-news.xml",
        ]

        def shows(body):
            return "takedown-story" in body or "Takedown story" in body

        # Warm: every surface shows it, and Varnish answers the second request itself.
        for url in urls:
            self.get(url)
            status, headers, body = self.get(url)
            assert status == 200 and shows(body), url
            assert headers["X-Cache"] == "HIT", (url, headers["X-Cache"])
        assert time.time() < unpublish_at.timestamp(), "warming took longer than LEAD"

        # Poll every surface until none shows it, for at most WITHIN seconds past its time.
        deadline = unpublish_at.timestamp() + WITHIN
        showing = set(urls)
        while showing and time.time() < deadline:
            if scheduler_running:
                services.run_due()
            for url in sorted(showing):
                status, _, body = self.get(url)
                if time.time() > unpublish_at.timestamp() and not (status == 200 and shows(body)):
                    showing.discard(url)
            time.sleep(0.25)
        assert showing == set(), f"still shown {WITHIN:.0f} s after the unpublish time"
        status, _, _ = self.get(article.get_absolute_url())
        assert status == 404
        status, _, body = self.get("/")
        assert status == 200 and "Standing story" in body

    def test_gone_from_every_cache_within_5_s_with_the_scheduler_running(self):
        self.takedown(scheduler_running=True)

    def test_gone_from_every_cache_within_5_s_with_the_scheduler_stopped(self):
        self.takedown(scheduler_running=False)
