"""Two gunicorn servers on different ports sharing PostgreSQL and Redis (docs/operations.md).

A session made on one works on the other; a publish through one is purged from the shared page
cache and visible on the other; the edit lock taken on one warns an editor on the other; two
schedulers started at once publish every due article exactly once. PostgreSQL only (the test
database must be reachable from other processes); bounded: seconds.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import TransactionTestCase

from articles.models import Article, AuditEntry
from tests.factories import ArticleFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS_PORT, PORT_A, PORT_B = 18130, 18131, 18132
PASSWORD = "correct-horse-battery"
SEO = "A search description that is comfortably longer than fifty characters."


def wait_for_port(port, deadline=60.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Browser:
    """A cookie-keeping HTTP client for one server."""

    def __init__(self, port, cookies=None):
        self.port = port
        self.cookies = cookies if cookies is not None else {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
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
        self.workdir = tempfile.mkdtemp(prefix="newsroom-two-")
        self.procs = []
        self.addCleanup(self.stop)
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
            STATIC_ROOT=str(Path(self.workdir) / "static"),
        )
        if db.get("PASSWORD"):
            self.env["PGPASSWORD"] = db["PASSWORD"]
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=self.env, check=True,
        )  # fmt: skip
        self.start(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"], REDIS_PORT)  # fmt: skip
        for port in (PORT_A, PORT_B):
            bind = f"127.0.0.1:{port}"
            gunicorn = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", bind]
            self.start([*gunicorn, "--workers", "1", "--log-level", "warning"], port)

    def start(self, cmd, port):
        log = open(Path(self.workdir) / f"{port}.log", "w")  # noqa: SIM115 (closed in stop)
        self.addCleanup(log.close)
        proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs.append(proc)
        wait_for_port(port)

    def stop(self):
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(timeout=10)
        for log in sorted(Path(self.workdir).glob("*.log")):
            text = log.read_text()
            if "Traceback" in text:
                print(f"--- {log.name}\n{text[-12000:]}")  # shown when the test fails
        shutil.rmtree(self.workdir, ignore_errors=True)

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
