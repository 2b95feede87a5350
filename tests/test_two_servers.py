"""Two gunicorn servers on different ports sharing PostgreSQL and Redis (docs/operations.md).

A session made on one works on the other; a publish through one is purged from the shared page
cache and visible on the other; the edit lock taken on one warns an editor on the other; two
schedulers started at once publish every due article exactly once. PostgreSQL only (the test
database must be reachable from other processes); bounded: seconds.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from ads.models import PlacementStat
from articles.delivery.backend import RedisCache
from articles.models import Article, AuditEntry
from tests.factories import ArticleFactory, PlacementFactory, UserFactory
from tests.servers import ROOT, Servers, gunicorn_command, redis_command

REDIS_PORT, PORT_A, PORT_B = 18130, 18131, 18132
PASSWORD = "correct-horse-battery"
SEO = "A search description that is comfortably longer than fifty characters."
FAILURE_LIMIT = 3
FLOOD_LIMIT = 6000  # ads/views.py's default ADS_BEACON_LIMIT_PER_MINUTE


class Browser:
    """A cookie-keeping HTTP client for one server."""

    def __init__(self, port, cookies=None):
        self.port = port
        self.cookies = cookies if cookies is not None else {}

    def request(self, method, path, form=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "text/plain"
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response, content

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form, csrf_from):
        _, page = self.get(csrf_from)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request("POST", path, {**form, "csrfmiddlewaretoken": token})

    def login(self, username):
        response, _ = self.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": PASSWORD, "next": "/admin/"},
            csrf_from="/admin/login/",
        )
        assert response.status == 302, "login failed"


@pytest.mark.skipif(
    shutil.which("redis-server") is None and not os.environ.get("CI"),
    reason="redis-server missing",
)
class TwoServersTests(TransactionTestCase):
    serialized_rollback = False

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("the servers share the test database: PostgreSQL only")
        self.servers = Servers(prefix="newsroom-two-")
        self.addCleanup(self.servers.stop)
        db = connection.settings_dict
        self.env = dict(
            os.environ,
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
            NEWSROOM_PAGE_CACHE="1",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="two-servers-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_CONN_MAX_AGE="0",
            DJANGO_LOGIN_FAILURE_LIMIT=str(FAILURE_LIMIT),
            STATIC_ROOT=str(self.servers.workdir / "static"),
        )
        if db.get("PASSWORD"):
            self.env["PGPASSWORD"] = db["PASSWORD"]
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=self.env, check=True,
        )  # fmt: skip
        self.servers.start(redis_command(REDIS_PORT), REDIS_PORT, env=self.env)
        for port in (PORT_A, PORT_B):
            self.servers.start(gunicorn_command(port), port, env=self.env)

    def test_sessions_purges_locks_and_the_scheduler_hold_across_two_servers(self):
        UserFactory(username="ed", role="Editor")
        UserFactory(username="ed2", role="Editor")
        ArticleFactory(headline="Standing story", tags=["Weather"], seo_description=SEO)
        fresh = ArticleFactory(in_review=True, headline="Breaking story", tags=["Weather"],
                               seo_description=SEO)  # fmt: skip
        reader_b = Browser(PORT_B)
        first, body = reader_b.get("/")
        assert first.getheader("X-Page-Cache") == "miss", (first.status, first.headers, body[:500])
        response, page = reader_b.get("/")
        assert response.getheader("X-Page-Cache") == "hit" and "Breaking story" not in page

        # A session made on A is good on B (sessions live in the database).
        on_a = Browser(PORT_A)
        on_a.login("ed")
        on_b = Browser(PORT_B, cookies=on_a.cookies)
        response, page = on_b.get("/admin/")
        assert response.status == 200 and "Log out" in page

        # Publish through A (A holds the edit lock now); B's cached front page is purged.
        change = f"/admin/articles/article/{fresh.pk}/change/"
        response, _ = on_a.post(
            f"/admin/articles/article/{fresh.pk}/transition/publish/", {}, csrf_from=change
        )
        assert response.status == 302
        response, page = reader_b.get("/")
        assert response.getheader("X-Page-Cache") == "miss"
        assert "Breaking story" in page

        # The edit lock taken on A warns another editor on B.
        second = Browser(PORT_B)
        second.login("ed2")
        _, page = second.get(change)
        assert "is editing since" in page

        # Two schedulers at once: every due article is published exactly once.
        due = [ArticleFactory(due=True, tags=["Weather"], seo_description=SEO) for _ in range(8)]
        cmd = [sys.executable, "manage.py", "run_scheduler", "--once"]
        runs = [subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL)  # noqa: S603
                for _ in range(2)]  # fmt: skip
        assert [run.wait(timeout=60) for run in runs] == [0, 0]
        for article in due:
            assert (
                AuditEntry.objects.filter(article=article, action="scheduled_publish").count() == 1
            )
        assert Article.objects.filter(pk__in=[a.pk for a in due], status="published").count() == 8

    def test_login_lockouts_and_the_ad_flood_limit_hold_across_two_servers(self):
        UserFactory(username="ed", role="Editor")
        on_a, on_b = Browser(PORT_A), Browser(PORT_B)

        def sign_in(browser, password):
            return browser.post(
                "/admin/login/?next=/admin/",
                {"username": "ed", "password": password, "next": "/admin/"},
                csrf_from="/admin/login/",
            )

        for _ in range(FAILURE_LIMIT - 1):
            response, page = sign_in(on_a, "wrong-password")
            assert response.status == 200 and "Signing in is locked" not in page
        # The last allowed failure through B locks the account: B counted A's failures.
        response, page = sign_in(on_b, "wrong-password")
        assert response.status == 429 and "Signing in is locked" in page
        for browser in (on_b, on_a):  # and the right password is refused on both
            response, page = sign_in(browser, PASSWORD)
            assert response.status == 429 and "Signing in is locked" in page
        assert settings.SESSION_COOKIE_NAME not in on_a.cookies | on_b.cookies

        # The click and beacon flood limits count in the shared Redis: two short of the limit,
        # one report through each server is counted, the next through either is not.
        placement = PlacementFactory(creative__click_url="https://advertiser.example/")
        shared = RedisCache(f"redis://127.0.0.1:{REDIS_PORT}/0", {})
        for kind in ("click", "beacon"):
            shared.set(f"ads:{kind}:{placement.pk}", FLOOD_LIMIT - 2, timeout=60)
        beacon = json.dumps({"o": [placement.pk]})
        for browser in (on_a, on_b, on_a, on_b):
            response, _ = browser.get(f"/ads/click/{placement.pk}/")
            assert response.status == 302
            response, _ = browser.request("POST", "/ads/beacon/", body=beacon)
            assert response.status == 204
        stat = PlacementStat.objects.get(placement=placement)
        assert (stat.clicks, stat.offers) == (2, 2)
        assert shared.get(f"ads:click:{placement.pk}") == FLOOD_LIMIT + 2
