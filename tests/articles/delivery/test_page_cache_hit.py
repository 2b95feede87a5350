"""The page-cache hit path is lean: one cache round trip, nothing below it runs, no query; and
its shortcuts (the remembered purge marks, the stored headers) never serve a purged page."""

import socket
from unittest import mock

from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory, TestCase, override_settings

from articles.delivery import cache, middleware
from articles.delivery.middleware import PageCacheMiddleware
from tests.factories import ArticleFactory

PAGE_CACHE_ON = override_settings(NEWSROOM_PAGE_CACHE=True)
REDIS_DB7 = {
    "default": {
        "BACKEND": "articles.delivery.backend.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/7",
        "KEY_PREFIX": "newsroom-test-hit",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def redis_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


class CountingCache:
    """Counts the calls a request makes to the default cache (not the backend's own nested
    calls: the memory cache's get_many calls its get)."""

    def __init__(self):
        self.calls = []
        self.depth = 0

    def __enter__(self):
        self.patches = [
            mock.patch.object(default_cache, name, side_effect=self.counted(name))
            for name in ("get", "get_many", "set", "set_many")
        ]
        for patch in self.patches:
            patch.start()
        return self

    def counted(self, name):
        real = getattr(default_cache, name)

        def call(*args, **kwargs):
            if not self.depth:
                self.calls.append(name)
            self.depth += 1
            try:
                return real(*args, **kwargs)
            finally:
                self.depth -= 1

        return call

    def __exit__(self, *exc):
        for patch in self.patches:
            patch.stop()


@PAGE_CACHE_ON
class LeanHitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory(headline="Lean story", tags=["Rain"])

    def setUp(self):
        default_cache.clear()
        middleware.KNOWN_MARKS.clear()

    def test_a_hit_is_one_cache_round_trip_and_no_query(self):
        for url in ("/", self.article.get_absolute_url()):
            with self.subTest(url=url):
                miss = self.client.get(url)
                assert miss["X-Page-Cache"] == "miss"
                with CountingCache() as counting, self.assertNumQueries(0):
                    hit = self.client.get(url)
                assert hit["X-Page-Cache"] == "hit" and hit.content == miss.content
                assert counting.calls == ["get_many"]

    def test_a_hit_runs_nothing_below_the_page_cache(self):
        calls = []

        def view(request):
            calls.append(request)
            request.META["CSRF_COOKIE_USED"] = False
            return HttpResponse("<p>page</p>")

        page_cache = PageCacheMiddleware(view)
        factory = RequestFactory()
        first = page_cache(factory.get("/sections/x/"))
        second = page_cache(factory.get("/sections/x/"))
        assert len(calls) == 1
        assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
        assert second.content == b"<p>page</p>" and not second.cookies

    def test_a_wrong_remembered_key_list_never_serves_a_purged_page(self):
        url = self.article.get_absolute_url()
        self.client.get(url)
        # This process's hint says the page shows nothing (as if its keys changed elsewhere).
        for key in list(middleware.KNOWN_MARKS):
            middleware.KNOWN_MARKS[key] = ()
        cache.purge({cache.article_key(self.article.pk)})
        assert self.client.get(url)["X-Page-Cache"] == "miss"
        assert self.client.get(url)["X-Page-Cache"] == "hit"

    def test_a_process_that_never_saw_the_page_still_checks_its_purges(self):
        url = self.article.get_absolute_url()
        self.client.get(url)
        middleware.KNOWN_MARKS.clear()  # another worker stored it
        assert self.client.get(url)["X-Page-Cache"] == "hit"
        middleware.KNOWN_MARKS.clear()
        cache.purge({cache.NAV})
        assert self.client.get(url)["X-Page-Cache"] == "miss"

    def test_head_and_304_from_the_stored_headers(self):
        first = self.client.get("/")
        head = self.client.head("/")
        assert head["X-Page-Cache"] == "hit" and head.content == b""
        assert head["Content-Type"] == first["Content-Type"]
        not_modified = self.client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert not_modified.status_code == 304
        for name in ("Cache-Control", "ETag", "Last-Modified", "Surrogate-Key"):
            assert not_modified[name] == first[name], name


@PAGE_CACHE_ON
@override_settings(CACHES=REDIS_DB7)
class RedisHitTests(TestCase):
    def setUp(self):
        if not redis_up():
            self.skipTest("no Redis on 127.0.0.1:6379")
        middleware.KNOWN_MARKS.clear()

    def tearDown(self):
        client = caches["default"]._cache.get_client(write=True)
        for key in client.scan_iter(match="newsroom-test-hit:*"):
            client.delete(key)

    def test_the_backend_reuses_one_client_and_a_hit_comes_from_redis(self):
        backend = caches["default"]._cache
        assert backend.get_client() is backend.get_client()
        article = ArticleFactory(headline="Redis story")
        url = article.get_absolute_url()
        assert self.client.get(url)["X-Page-Cache"] == "miss"
        with self.assertNumQueries(0):
            hit = self.client.get(url)
        assert hit["X-Page-Cache"] == "hit" and b"Redis story" in hit.content
        cache.purge({cache.article_key(article.pk)})
        assert self.client.get(url)["X-Page-Cache"] == "miss"

    def test_a_listing_is_one_script_call_and_purged_by_any_article_on_it(self):
        articles = [ArticleFactory(headline=f"Listed {n}") for n in range(3)]
        assert self.client.get("/")["X-Page-Cache"] == "miss"
        client = caches["default"]._cache.get_client()
        with mock.patch.object(client, "get", wraps=client.get) as get:
            with mock.patch.object(client, "mget", wraps=client.mget) as mget:
                assert self.client.get("/")["X-Page-Cache"] == "hit"
        assert not get.called and not mget.called  # the script read the entry and the marks
        cache.purge({cache.article_key(999_999)})  # not on the page
        assert self.client.get("/")["X-Page-Cache"] == "hit"
        cache.purge({cache.article_key(articles[1].pk)})
        response = self.client.get("/")
        assert response["X-Page-Cache"] == "miss" and b"Listed 1" in response.content
