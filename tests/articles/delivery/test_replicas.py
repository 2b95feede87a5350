"""Reads on replicas (articles/delivery/replicas.py) against a real streaming replica.

The module makes one hot standby of the test server with `pg_basebackup` on 127.0.0.1:55433
(tests/servers.py) and points the alias `replica_1` at it. Routing is proven by pausing the
standby's replay: what the primary has and the standby does not yet have shows which database
answered. PostgreSQL only; skipped with the reason when replication is impossible here.
"""

import socket
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import RequestFactory, SimpleTestCase, TransactionTestCase, override_settings
from django.urls import reverse

from articles import services
from articles.delivery import replicas
from articles.models import Article
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, SectionFactory, UserFactory
from tests.servers import ReplicaUnavailable, StreamingReplica

ROUTER = ["articles.delivery.replicas.ReplicaRouter"]
POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="streaming replicas are a PostgreSQL feature"
)


def replica_settings(port, **options):
    """The test database's settings, on another port (a standby serves the same databases)."""
    config = {**connections.settings["default"], "HOST": "127.0.0.1", "PORT": str(port)}
    config["OPTIONS"] = {**config["OPTIONS"], "connect_timeout": 2, **options}
    config["TEST"] = {**config["TEST"], "MIRROR": "default"}
    return config


def add_alias(alias, config):
    connections.settings[alias] = config


def drop_alias(alias):
    if alias in connections.settings:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def wait_for_replay(alias="replica_1", timeout=30.0):
    """Until the standby has replayed everything the primary has written so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def wait_for_receipt(alias="replica_1", timeout=30.0):
    """Until the standby has received (not necessarily replayed) the primary's WAL so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), %s) >= 0", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not receive the primary's WAL")


def on_replica(sql):
    with connections["replica_1"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@POSTGRESQL_ONLY
@override_settings(
    NEWSROOM_REPLICAS=["replica_1"],
    DATABASE_ROUTERS=ROUTER,
    NEWSROOM_REPLICA_MAX_LAG=3600,
    NEWSROOM_REPLICA_CHECK_SECONDS=60,
    NEWSROOM_REPLICA_RETRY_SECONDS=60,
)
class StreamingReplicaTests(TransactionTestCase):
    # A mirror: never flushed or set up by the test case, only read.
    databases = {"default", "replica_1"}
    replica = None

    @classmethod
    def setUpClass(cls):
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            major = int(cursor.fetchone()[0]) // 10000
        cls.replica = StreamingReplica(connections.settings["default"])
        try:
            cls.replica.start(major)
        except ReplicaUnavailable as exc:
            cls.replica.destroy()
            raise pytest.skip.Exception(f"no streaming replica possible: {exc}") from None
        add_alias("replica_1", replica_settings(cls.replica.port))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_alias("replica_1")
        cls.replica.destroy()

    def setUp(self):
        if not self.replica.is_running():
            self.replica.resume()
        replicas.forget_health()
        self.editor = UserFactory(username="editor", role="Editor")
        self.section = SectionFactory(name="News", slug="news")
        self.author = AuthorFactory()
        self.live = ready_article(headline="Already on every server", section=self.section)
        wait_for_replay()

    def tearDown(self):
        if self.replica.is_running():
            on_replica("SELECT pg_wal_replay_resume()::text")
        replicas.forget_health()

    def pause_replay(self):
        on_replica("SELECT pg_wal_replay_pause()::text")
        end = time.monotonic() + 10
        while on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < end, "replay did not pause"
            time.sleep(0.02)

    def test_readers_read_the_replica_and_the_writer_reads_their_own_write(self):
        self.pause_replay()
        story = ready_article(in_review=True, headline="Lag story", section=self.section)
        self.client.force_login(self.editor)
        response = self.client.post(
            reverse("admin:articles_article_transition", args=[story.pk, "publish"])
        )
        assert response.status_code == 302
        assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED
        assert replicas.PIN_COOKIE in response.cookies
        pin = response.cookies[replicas.PIN_COOKIE]
        assert pin["httponly"] and pin["max-age"] == settings.NEWSROOM_REPLICA_PIN_SECONDS
        url = Article.objects.get(pk=story.pk).get_absolute_url()

        # The writer, pinned to the primary, reads the story at once, and so does the admin.
        self.assertContains(self.client.get(url), "Lag story")
        changelist = reverse("admin:articles_article_changelist")
        self.assertContains(self.client.get(changelist), "Lag story")

        # A reader is served by the replica, which has not replayed the publication yet.
        reader = self.client_class()
        assert reader.get(url).status_code == 404
        home = reader.get("/")
        self.assertContains(home, "Already on every server")
        self.assertNotContains(home, "Lag story")
        self.assertNotContains(reader.get(self.section.get_absolute_url()), "Lag story")
        # A pin cookie the server did not sign changes nothing.
        reader.cookies[replicas.PIN_COOKIE] = "1"
        assert reader.get(url).status_code == 404

        # The pin is signed with its age: past NEWSROOM_REPLICA_PIN_SECONDS, the writer reads
        # the replica again (still without the story).
        with override_settings(NEWSROOM_REPLICA_PIN_SECONDS=1):
            time.sleep(1.1)
            assert self.client.get(url).status_code == 404

        # Outside a request (a task, the scheduler, a command) every read is the primary's.
        other = ready_article(in_review=True, headline="By a task", section=self.section)
        services.publish_now(article=other, by=self.editor)
        assert Article.objects.published().filter(pk=other.pk).exists()

        # Once the replica replays, the reader has it too.
        on_replica("SELECT pg_wal_replay_resume()::text")
        wait_for_replay()
        self.assertContains(reader.get(url), "Lag story")

    def test_a_lagging_or_stopped_replica_is_skipped(self):
        self.pause_replay()
        story = ready_article(headline="Behind the replica", section=self.section)
        url = story.get_absolute_url()
        wait_for_receipt()
        time.sleep(0.3)
        with override_settings(NEWSROOM_REPLICA_MAX_LAG=0.1):
            self.assertContains(self.client.get(url), "Behind the replica")
            assert replicas.is_usable("replica_1") is False
        replicas.forget_health()
        assert self.client.get(url).status_code == 404  # that lag is allowed: the replica reads
        assert replicas.is_usable("replica_1") is True

        # The replica was healthy when last checked (the verdict is kept): it stops under it.
        self.replica.stop()
        started = time.monotonic()
        for _ in range(10):
            self.assertContains(self.client.get(url), "Behind the replica")
            self.assertContains(self.client.get("/"), "Behind the replica")
        assert time.monotonic() - started < 10, "readers waited on the stopped replica"
        assert replicas.is_usable("replica_1") is False


@POSTGRESQL_ONLY
@override_settings(
    NEWSROOM_REPLICAS=["replica_silent"],
    DATABASE_ROUTERS=ROUTER,
    NEWSROOM_REPLICA_RETRY_SECONDS=60,
)
class SilentReplicaTests(TransactionTestCase):
    """A replica host that accepts the connection and never answers (a hung server)."""

    databases = {"default", "replica_silent"}

    @classmethod
    def setUpClass(cls):
        cls.silent = socket.socket()
        cls.silent.bind(("127.0.0.1", 0))
        cls.silent.listen(64)
        add_alias("replica_silent", replica_settings(cls.silent.getsockname()[1]))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_alias("replica_silent")
        cls.silent.close()

    def setUp(self):
        replicas.forget_health()

    def test_a_hung_replica_costs_one_connect_timeout_per_process_not_per_request(self):
        story = ready_article(headline="Served by the primary")
        started = time.monotonic()
        for _ in range(6):
            self.assertContains(self.client.get(story.get_absolute_url()), "Served by the primary")
        elapsed = time.monotonic() - started
        # One request waited for libpq's 2 s connect timeout; six would have taken over 12 s.
        assert elapsed < 6, elapsed
        assert replicas.is_usable("replica_silent") is False


class RoutingDecisionTests(SimpleTestCase):
    """Which requests may read a replica (both databases; no replica needed)."""

    def request(self, method="get", path="/", **extra):
        return getattr(RequestFactory(), method)(path, **extra)

    def test_reader_reads_may_use_a_replica(self):
        for path in ["/", "/news/", "/search/?q=council", "/feeds/latest/", "/api/v1/articles"]:
            assert replicas.reads_from_replica(self.request(path=path)), path
        assert replicas.reads_from_replica(self.request("head", "/"))

    def test_the_admin_writes_keyed_reads_and_uncached_paths_use_the_primary(self):
        assert not replicas.reads_from_replica(self.request(path="/admin/articles/article/"))
        assert not replicas.reads_from_replica(self.request("post", "/search/"))
        assert not replicas.reads_from_replica(self.request(path="/preview/abc/"))
        assert not replicas.reads_from_replica(self.request(path="/newsletters/confirm/x/"))
        keyed = self.request(path="/api/v1/articles", HTTP_AUTHORIZATION="Bearer nrk_x")
        assert not replicas.reads_from_replica(keyed)

    def test_no_replicas_configured_changes_nothing(self):
        assert settings.NEWSROOM_REPLICAS == []
        assert settings.DATABASE_ROUTERS == []
        assert replicas.pick_replica() is None
