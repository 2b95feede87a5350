"""Conditional GET for gzip clients, with and without the page cache: the ETag names the
uncompressed body (weak once gzipped), so identical pages answer 304; Last-Modified only where
it means something (the page cache's stored copy, a feed's newest item)."""

from django.test import TestCase, override_settings

from tests.factories import ArticleFactory

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


class ConditionalGetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory(headline="Conditional story")

    def test_gzip_client_gets_304_without_the_page_cache(self):
        pages = ["/", self.article.get_absolute_url(), "/sitemap.xml"]
        for url in [*pages, "/ads.txt", "/robots.txt"]:  # the last two too short to compress
            with self.subTest(url=url):
                first = self.client.get(url, **GZIP)
                again = self.client.get(url, **GZIP)
                assert first.status_code == 200
                if url in pages:
                    assert first["Content-Encoding"] == "gzip"
                    assert first["ETag"].startswith('W/"')
                assert again["ETag"] == first["ETag"]
                if url != "/sitemap.xml":  # which carries its newest article's time
                    assert "Last-Modified" not in first
                response = self.client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **GZIP)
                assert response.status_code == 304
                assert response.content == b""
                assert response["ETag"] == first["ETag"]

    def test_identity_and_gzip_variants_name_the_same_body(self):
        identity = self.client.get("/")
        gzipped = self.client.get("/", **GZIP)
        assert "Content-Encoding" not in identity
        assert gzipped["ETag"] == "W/" + identity["ETag"]
        assert self.client.get("/", HTTP_IF_NONE_MATCH=identity["ETag"]).status_code == 304

    def test_a_changed_page_gets_a_new_etag_and_a_full_answer(self):
        etag = self.client.get("/", **GZIP)["ETag"]
        ArticleFactory(headline="A newer story")
        response = self.client.get("/", HTTP_IF_NONE_MATCH=etag, **GZIP)
        assert response.status_code == 200
        assert response["ETag"] != etag

    @override_settings(NEWSROOM_PAGE_CACHE=True)
    def test_with_the_page_cache_hits_repeat_the_stored_copys_validators(self):
        first = self.client.get("/", **GZIP)
        assert first["X-Page-Cache"] == "miss" and first["ETag"].startswith('W/"')
        hit = self.client.get("/", HTTP_IF_NONE_MATCH=first["ETag"], **GZIP)
        assert hit.status_code == 304
        assert (hit["ETag"], hit["Last-Modified"]) == (first["ETag"], first["Last-Modified"])
        since = self.client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"], **GZIP)
        assert since.status_code == 304

    def test_feeds_keep_their_own_last_modified(self):
        response = self.client.get("/feed/", **GZIP)
        assert response["Last-Modified"]
        again = self.client.get("/feed/", HTTP_IF_NONE_MATCH=response["ETag"], **GZIP)
        assert again.status_code == 304
