"""Purges leave when the change commits (articles/delivery/cache.py), not at the worker's next
poll: the proxy hears it during the commit, each key once, and a proxy that fails is retried by
the queued task. Tasks here go to the database queue and are not run, so whatever reached the
proxy or the page cache got there from the commit itself."""

import socket
import time

from django.db import transaction
from django.test import TestCase, TransactionTestCase, override_settings
from django_tasks_db.models import DBTaskResult

from articles.background.retries import RETRY_DELAYS
from articles.delivery import cache
from articles.models import Article
from tests.articles.test_services import ready_article
from tests.factories import UserFactory
from tests.purge_recorder import PurgeRecorder

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "images"]}
}
TASK_PATH = "articles.delivery.cache.purge_keys"


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def edit_headline(article, headline):
    """An editor's save of a live article's headline (its post-save rule names the keys)."""
    with transaction.atomic():
        article.headline = headline
        article.save()


def queued_purges():
    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(task_path=TASK_PATH)]


@override_settings(TASKS=DB_TASKS)
class PurgeAtCommitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ready_article(headline="Before the edit")

    def setUp(self):
        self.proxy = PurgeRecorder().__enter__()
        self.addCleanup(self.proxy.__exit__)

    def test_the_proxy_hears_the_purge_during_the_commit(self):
        with override_settings(NEWSROOM_PURGE_URLS=[self.proxy.url]):
            with self.captureOnCommitCallbacks(execute=False) as callbacks:
                edit_headline(self.article, "After")
            assert self.proxy.purges == []  # nothing before the commit
            for callback in callbacks:
                callback()
        assert len(self.proxy.purges) == 1
        assert cache.article_key(self.article.pk) in self.proxy.purges[0]
        # The task is still queued (no worker ran): it refreshes the kept markup, and has no
        # proxy left to tell.
        queued = queued_purges()
        assert len(queued) == 1
        assert queued[0]["proxies"] == []
        assert set(queued[0]["keys"]) == self.proxy.purges[0]

    def test_a_failed_proxy_is_left_to_the_queued_retry(self):
        dead = f"http://127.0.0.1:{closed_port()}/"
        with override_settings(NEWSROOM_PURGE_URLS=[self.proxy.url, dead]):
            with self.captureOnCommitCallbacks(execute=True):
                cache.purge_on_commit({"home"})
            assert self.proxy.purges == [{"home"}]
            assert queued_purges() == [{"keys": ["home"], "proxies": [dead]}]
            DBTaskResult.objects.all().delete()
            # The worker runs the retry: the proxy is still down, so the next attempt is queued
            # after the first backoff, for that proxy only.
            with self.assertRaises(cache.PurgeFailed):
                cache.purge_keys.call(["home"], proxies=[dead])
            retry = DBTaskResult.objects.get(task_path=TASK_PATH)
            assert retry.args_kwargs["kwargs"] == {
                "keys": ["home"],
                "proxies": [dead],
                "attempt": 2,
            }
            wait = (retry.run_after - retry.enqueued_at).total_seconds()
            assert abs(wait - RETRY_DELAYS[0]) < 5
        assert self.proxy.purges == [{"home"}]  # the live proxy is not told twice

    def test_a_queued_purge_never_goes_to_a_proxy_no_longer_configured(self):
        with override_settings(NEWSROOM_PURGE_URLS=[]):
            cache.purge_keys.call(["home"], proxies=[self.proxy.url])
        assert self.proxy.purges == []

    def test_a_hung_proxy_cannot_hold_the_request(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        self.addCleanup(silent.close)
        hung = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        with override_settings(NEWSROOM_PURGE_URLS=[hung], NEWSROOM_PURGE_TIMEOUT=0.3):
            started = time.monotonic()
            with self.captureOnCommitCallbacks(execute=True):
                cache.purge_on_commit({"home"})
            elapsed = time.monotonic() - started
        assert elapsed < 2, elapsed  # the default urllib wait would be unbounded
        assert queued_purges()[0]["proxies"] == [hung]


@override_settings(TASKS=DB_TASKS, NEWSROOM_PAGE_CACHE=True)
class PageCachePurgedAtCommitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ready_article(headline="Old headline")

    def test_the_page_cache_forgets_the_page_at_the_commit(self):
        url = self.article.get_absolute_url()
        self.assertContains(self.client.get(url), "Old headline")
        with self.assertNumQueries(0):
            self.assertContains(self.client.get(url), "Old headline")  # a page-cache hit
        with self.captureOnCommitCallbacks(execute=True):
            edit_headline(self.article, "New headline")
        assert Article.objects.get(pk=self.article.pk).headline == "New headline"
        assert DBTaskResult.objects.filter(task_path=TASK_PATH).exists()  # not run
        response = self.client.get(url)
        self.assertContains(response, "New headline")
        self.assertNotContains(response, "Old headline")


@override_settings(TASKS=DB_TASKS)
class OnePurgePerCommitTests(TransactionTestCase):
    """Real commits (a test case's own transaction never commits)."""

    def test_each_key_goes_out_once_per_commit(self):
        with PurgeRecorder() as proxy, override_settings(NEWSROOM_PURGE_URLS=[proxy.url]):
            article = ready_article(headline="Filed with tags and bylines")
            # Creating it saved the article, its byline and its tags: several changes, several
            # purges, one commit each (the factory's saves are autocommit) - now one change
            # that names overlapping keys three times inside one transaction.
            proxy.purges.clear()
            DBTaskResult.objects.all().delete()
            with transaction.atomic():
                cache.purge_on_commit({"home", cache.article_key(article.pk)})
                cache.purge_on_commit({"home", "feeds"})
                with transaction.atomic():
                    cache.purge_on_commit({"sitemaps", "home"})
                assert proxy.purges == []  # nothing before the commit
            assert proxy.purges == [{"home", "feeds", "sitemaps", cache.article_key(article.pk)}]
            assert len(queued_purges()) == 1

            # A rolled-back savepoint's keys are not sent; the rest of the commit's are.
            proxy.purges.clear()
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        cache.purge_on_commit({"nav"})
                        raise RuntimeError("rolled back")
                except RuntimeError:
                    pass
                cache.purge_on_commit({"home"})
            assert proxy.purges == [{"home"}]

            # An edit through the model's own rules: its keys, once.
            proxy.purges.clear()
            edit_headline(article, "Edited")
            assert len(proxy.purges) == 1
            assert cache.article_key(article.pk) in proxy.purges[0]
