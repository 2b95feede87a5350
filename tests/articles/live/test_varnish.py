"""The poll endpoint through the shipped Varnish (deploy/varnish/default.vcl): every reader at
a version shares one cached answer, an entry's purge makes the next poll a miss that carries
it, a draft purges nothing, and the answer's lifetime is the poll interval."""

import os
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import LiveServerTestCase, override_settings

from articles.live import services
from tests.factories import ArticleFactory
from tests.servers import Servers, varnish_missing

from .helpers import editor

PORT = 18302  # issue 25's range (18300-18349)


@pytest.mark.skipif(
    varnish_missing() and not os.environ.get("CI"), reason="varnishd / varnish-modules missing"
)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: the live server's threads and Varnish's probe share SQLite's "
    "one in-memory connection (as tests/test_varnish.py)",
)
@override_settings(NEWSROOM_PAGE_CACHE=False, NEWSROOM_PURGE_URLS=[f"http://127.0.0.1:{PORT}/"])
class LivePollThroughVarnishTests(LiveServerTestCase):
    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.servers = Servers(prefix="newsroom-live-varnish-")
        cls.servers.start_varnish(PORT, app_port=cls.live_server_url.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.servers.stop()
        super().tearDownClass()

    def setUp(self):
        # On a busy machine the first probes of / can time out (1 s): wait for a healthy app.
        for _ in range(60):
            try:
                self.get("/healthz")
                return
            except urllib.error.HTTPError:
                time.sleep(0.5)

    def get(self, path):
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{path}", headers={"Host": "127.0.0.1"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.headers, response.read().decode()

    def test_readers_share_the_answer_until_an_entry_purges_it(self):
        by = editor()
        article = ArticleFactory()
        live = services.start_coverage(article=article, by=by)
        url = f"/live/{article.pk}/v/{live.version}/"
        headers, body = self.get(url)
        assert headers["X-Cache"] == "MISS" and '"v": 1' in body
        assert "s-maxage=10" in headers["Cache-Control"] and "xkey" not in headers
        headers, _ = self.get(url)
        assert headers["X-Cache"] == "HIT"
        services.post_entry(coverage=live, by=by, body="Just a draft")
        headers, _ = self.get(url)
        assert headers["X-Cache"] == "HIT", "a draft purges nothing"
        services.post_entry(coverage=live, by=by, body="Dam breached", publish=True)
        headers, body = self.get(url)
        assert headers["X-Cache"] == "MISS"
        assert "Dam breached" in body and "Just a draft" not in body
        headers, _ = self.get(url)
        assert headers["X-Cache"] == "HIT"
