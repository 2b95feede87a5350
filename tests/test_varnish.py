"""The shipped Varnish (deploy/varnish/default.vcl) in front of the live test server.

Starts varnishd on a loopback port (needs Debian's `varnish` and `varnish-modules`; `.ci/run`
installs them) and shows: a hit on the second request, the purge on publish making the next
request a miss with the new content, a signed-in editor passing through uncached, and stale
pages served while the app is stopped. Bounded: a few seconds.
"""

import os
import time
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from django.test import LiveServerTestCase, override_settings

from articles import services
from tests.factories import ArticleFactory, UserFactory
from tests.servers import Servers, varnish_missing

PORT = 18120
SEO = "A search description that is comfortably longer than fifty characters."
TTL = 3


@pytest.mark.skipif(
    varnish_missing() and not os.environ.get("CI"), reason="varnishd / varnish-modules missing"
)
@override_settings(
    NEWSROOM_PAGE_CACHE=False,  # Varnish alone: every miss reaches the app
    NEWSROOM_CACHE_S_MAXAGE=TTL,
    NEWSROOM_PURGE_URLS=[f"http://127.0.0.1:{PORT}/"],
)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: on SQLite the live server's threads (Varnish's health probe asks "
    "for / every second) share the test's one in-memory connection and its open transactions; "
    "CI's PostgreSQL leg runs it",
)
class VarnishTests(LiveServerTestCase):
    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.servers = Servers(prefix="newsroom-varnish-")
        cls.servers.start_varnish(PORT, app_port=cls.live_server_url.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.servers.stop()
        super().tearDownClass()

    def get(self, path, cookie=None):
        headers = {"Host": "127.0.0.1"}
        if cookie:
            headers["Cookie"] = cookie
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.headers, response.read().decode()

    def test_hit_purge_on_publish_editor_passes_and_stale_while_the_app_is_down(self):
        editor = UserFactory(username="ed", role="Editor")
        live = ArticleFactory(headline="Standing story", tags=["Weather"], seo_description=SEO)
        fresh = ArticleFactory(in_review=True, headline="Breaking story", tags=["Weather"],
                               seo_description=SEO)  # fmt: skip

        status, headers, body = self.get("/")
        assert status == 200 and headers["X-Cache"] == "MISS"
        assert "xkey" not in headers
        _, headers, _ = self.get("/")
        assert headers["X-Cache"] == "HIT"

        services.publish_now(article=fresh, by=editor)  # purges "home" at the proxy on commit
        _, headers, body = self.get("/")
        assert headers["X-Cache"] == "MISS"
        assert "Breaking story" in body

        self.client.force_login(editor)
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={self.client.cookies[name].value}"
        for _ in range(2):
            _, headers, _ = self.get("/", cookie=cookie)
            assert headers["X-Cache"] == "PASS"
            assert headers["Cache-Control"] == "private, no-cache"

        status, headers, _ = self.get(live.get_absolute_url())
        _, headers, body = self.get(live.get_absolute_url())
        assert headers["X-Cache"] == "HIT"
        self.server_thread.terminate()  # the app is down
        time.sleep(TTL + 2.5)  # past the page's lifetime, and the probe has seen the app fail
        status, headers, body = self.get(live.get_absolute_url())
        assert status == 200
        assert "Standing story" in body
        assert int(headers["Age"]) > TTL
