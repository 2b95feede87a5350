"""Reads: what an article carries, filters, keyset pages, caching headers, errors."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.test import TestCase, override_settings
from django.utils import timezone

from ads.models import Sponsorship
from articles.api.schemas import Article as ArticleSchema
from articles.api.schemas import ArticlePage
from articles.api.views.paging import encode
from articles.delivery import cache
from articles.models import Correction
from articles.services import create_preview_token
from tests.articles.api.helpers import bearer, key_for
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    UserFactory,
    library_image,
)

LIBRARY_IMG = "/media/images/x.jpg"  # the sanitiser keeps media-library images only
BASE = "https://news.example.com"


@override_settings(NEWSROOM_BASE_URL=BASE)
class ArticleShapeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.image = library_image(
            alt_text="A harbour", caption="Dawn", credit="Ann Lee", renditions=True
        )
        cls.author = AuthorFactory(name="Ada Writer", slug="ada")
        cls.article = ArticleFactory(
            headline="Harbour reopens",
            body=f'<p>See <a href="/about/">us</a> &amp; <img src="{LIBRARY_IMG}" alt="x"></p>',
            lead_image=cls.image,
            authors=[cls.author],
            tags=["Ports", "Weather"],
        )
        Correction.objects.create(article=cls.article, text="The date was wrong.")
        Sponsorship.objects.create(article=cls.article, sponsor_name="Acme Ferries")

    def get(self, url, **extra):
        return self.client.get(url, **extra)

    def test_an_article_carries_what_partners_need(self):
        data = self.get(f"/api/v1/articles/{self.article.pk}").json()
        ArticleSchema.model_validate(data)
        assert data["headline"] == "Harbour reopens"
        assert f'href="{BASE}/about/"' in data["body_html"]
        assert f'src="{BASE}{LIBRARY_IMG}"' in data["body_html"]
        assert data["body_text"] == "See us &"
        assert data["bylines"] == [
            {
                "id": self.author.pk,
                "name": "Ada Writer",
                "slug": "ada",
                "url": f"{BASE}/authors/ada/",
            }
        ]
        assert [t["name"] for t in data["tags"]] == ["Ports", "Weather"]
        assert data["canonical_url"] == BASE + self.article.get_absolute_url()
        assert data["corrections"][0]["text"] == "The date was wrong."
        assert data["sponsored"] == {"label": "Sponsored by", "sponsor": "Acme Ferries"}
        assert data["version"] is None and data["status"] == "published"

    def test_the_lead_image_has_renditions_with_absolute_srcsets(self):
        image = self.get(f"/api/v1/articles/{self.article.pk}").json()["lead_image"]
        assert (image["alt"], image["caption"], image["credit"]) == ("A harbour", "Dawn", "Ann Lee")
        assert image["focal_point"] == {"x": 0.5, "y": 0.5}
        ratios = {r["ratio"] for r in image["renditions"]}
        assert {"original", "16:9", "1:1", "4:3"} <= ratios
        jpeg = next(
            s
            for r in image["renditions"]
            if r["ratio"] == "16:9"
            for s in r["sources"]
            if s["type"] == "image/jpeg"
        )
        assert jpeg["srcset"].startswith(BASE + "/media/")
        assert all(c["url"].startswith(BASE) for c in jpeg["candidates"])

    def test_no_account_data_anywhere(self):
        writer = UserFactory(username="secret-login", email="hidden@example.com")
        self.author.user = writer
        self.author.save()
        for url in ["/api/v1/articles", f"/api/v1/articles/{self.article.pk}", "/api/v1/authors"]:
            body = self.get(url).content.decode()
            assert "secret-login" not in body and "hidden@example.com" not in body

    def test_by_path(self):
        path = self.article.get_absolute_url()
        data = self.get("/api/v1/articles/by-path", data={"path": path}).json()
        assert data["id"] == self.article.pk
        missing = self.get("/api/v1/articles/by-path", data={"path": "/nowhere/"})
        assert missing.status_code == 404
        assert missing["Content-Type"] == "application/problem+json"


class ListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        now = timezone.now()
        cls.politics = SectionFactory(slug="politics")
        cls.author = AuthorFactory(slug="kim")
        cls.articles = [
            ArticleFactory(
                published_at=now - timedelta(hours=i + 1),
                section=cls.politics if i % 2 else SectionFactory(),
                authors=[cls.author] if i < 3 else None,
                tags=["Budget"] if i == 4 else [],
                headline=f"Story {i}" + (" about ferries" if i == 2 else ""),
            )
            for i in range(7)
        ]

    def ids(self, response):
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    def test_newest_first_in_keyset_pages_to_the_end(self):
        seen, url = [], "/api/v1/articles?limit=3"
        while url:
            response = self.client.get(url)
            ArticlePage.model_validate(response.json())
            seen += self.ids(response)
            next_url = response.json()["next"]
            url = next_url and next_url.split("://", 1)[1].split("/", 1)[1]
            url = url and "/" + url
        assert seen == [a.pk for a in self.articles]

    def test_next_links_are_absolute_and_keep_the_filters(self):
        data = self.client.get("/api/v1/articles?limit=1&section=politics").json()
        parts = urlsplit(data["next"])
        assert parts.scheme in {"http", "https"} and "section=politics" in parts.query

    def test_filters(self):
        a = self.articles
        assert self.ids(self.client.get("/api/v1/articles?section=politics")) == [
            a[1].pk,
            a[3].pk,
            a[5].pk,
        ]
        assert self.ids(self.client.get("/api/v1/articles?author=kim")) == [x.pk for x in a[:3]]
        tag = a[4].tags.first().slug
        assert self.ids(self.client.get(f"/api/v1/articles?tag={tag}")) == [a[4].pk]
        assert self.ids(self.client.get("/api/v1/articles?q=ferries")) == [a[2].pk]
        after = (a[2].published_at - timedelta(minutes=1)).isoformat()
        before = (a[0].published_at - timedelta(minutes=1)).isoformat()
        response = self.client.get(
            "/api/v1/articles", {"published_after": after, "published_before": before}
        )
        assert self.ids(response) == [a[1].pk, a[2].pk]

    def test_count_only_when_asked(self):
        assert self.client.get("/api/v1/articles").json()["count"] is None
        assert self.client.get("/api/v1/articles?count=true&limit=2").json()["count"] == 7

    def test_limit_over_100_is_a_400_never_a_clamp(self):
        response = self.client.get("/api/v1/articles?limit=101")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 400 and body["title"] and body["detail"]
        assert self.client.get("/api/v1/articles?limit=100").status_code == 200

    def test_bad_cursors_are_400(self):
        forged = encode(timezone.now().isoformat(), 1)[:-2] + "xx"
        for cursor in ["nonsense", forged, "a" * 400, encode("not a date", 3)]:
            with self.subTest(cursor=cursor):
                response = self.client.get("/api/v1/articles", {"cursor": cursor})
                assert response.status_code == 400, response.content

    def test_hostile_input_is_a_4xx(self):
        for query in [
            "limit=abc",
            "limit=-1",
            "limit=99999999999999999999999",
            "published_after=yesterday",
            "published_after=0001-01-01T00:00:00%2B23:59",
            "section=%00",
            "q=%00",
            "q=" + "x" * 201,
            "q=...",
            "section=no-such-section",
            "count=maybe",
        ]:
            with self.subTest(query=query):
                response = self.client.get(f"/api/v1/articles?{query}")
                assert 400 <= response.status_code < 500, (query, response.status_code)

    def test_unknown_and_non_public_ids_are_404(self):
        draft = ArticleFactory(draft=True)
        for pk in [draft.pk, 999999]:
            assert self.client.get(f"/api/v1/articles/{pk}").status_code == 404


class CachingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory(tags=["Ports"])
        cls.other = ArticleFactory()

    def test_anonymous_reads_are_shared_with_surrogate_keys_and_cors(self):
        response = self.client.get("/api/v1/articles")
        assert response["Cache-Control"] == (
            "public, max-age=0, s-maxage=600, stale-while-revalidate=60, stale-if-error=86400"
        )
        keys = response[cache.HEADER].split()
        assert {cache.article_key(self.article.pk), cache.article_key(self.other.pk)} <= set(keys)
        assert cache.HOME in keys and cache.ALL in keys
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response
        assert response["ETag"] and response["Last-Modified"]
        assert "Authorization" in response["Vary"]

    def test_filtered_lists_carry_the_listing_key(self):
        section = self.article.section
        response = self.client.get(f"/api/v1/articles?section={section.slug}")
        assert cache.section_key(section.pk) in response[cache.HEADER].split()

    def test_etag_and_last_modified_answer_304(self):
        url = f"/api/v1/articles/{self.article.pk}"
        first = self.client.get(url)
        again = self.client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b""
        assert again[cache.HEADER] == first[cache.HEADER]
        since = self.client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert since.status_code == 304

    def test_a_preflight_allows_conditional_reads_from_any_origin(self):
        response = self.client.options(
            f"/api/v1/articles/{self.article.pk}",
            HTTP_ORIGIN="https://app.example",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="If-None-Match",
        )
        assert response.status_code == 204 and response.content == b""
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Access-Control-Allow-Methods"] == "GET, HEAD"
        assert "if-none-match" in response["Access-Control-Allow-Headers"]
        assert int(response["Access-Control-Max-Age"]) > 0
        assert "Access-Control-Allow-Credentials" not in response
        assert "Set-Cookie" not in response
        read = self.client.get(f"/api/v1/articles/{self.article.pk}")
        assert read["Access-Control-Expose-Headers"] == "ETag, Last-Modified"

    def test_a_preflight_for_a_write_or_a_key_is_refused(self):
        for method, headers in [("POST", "content-type"), ("PATCH", ""), ("GET", "Authorization")]:
            with self.subTest(method=method, headers=headers):
                response = self.client.options(
                    "/api/v1/articles",
                    HTTP_ORIGIN="https://app.example",
                    HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
                    HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
                )
                assert response.status_code == 204
                assert "Access-Control-Allow-Origin" not in response
                assert "Access-Control-Allow-Methods" not in response

    def test_key_reads_are_private_without_cors(self):
        _, token = key_for(UserFactory(role="Writer"), drafts=True)
        response = self.client.get("/api/v1/articles", **bearer(token))
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert "Access-Control-Allow-Origin" not in response
        assert cache.HEADER not in response

    def test_a_wrong_key_is_a_401_not_an_anonymous_read(self):
        for header in ["Bearer nrk_000000000000_nope", "Bearer x", "Basic abc"]:
            response = self.client.get("/api/v1/articles", HTTP_AUTHORIZATION=header)
            assert response.status_code == 401
            assert response["Content-Type"] == "application/problem+json"

    @override_settings(NEWSROOM_PAGE_CACHE=True)
    def test_anonymous_reads_are_page_cache_hits_until_a_purge(self):
        from articles import services
        from tests.factories import UserFactory as Users

        for url in ["/api/v1/articles?limit=5", f"/api/v1/articles/{self.article.pk}"]:
            with self.subTest(url=url):
                first = self.client.get(url)
                assert first["X-Page-Cache"] == "miss"
                with self.assertNumQueries(0):
                    hit = self.client.get(url)
                assert hit["X-Page-Cache"] == "hit" and hit.content == first.content
                assert hit["Access-Control-Allow-Origin"] == "*"
                assert hit["Cache-Control"] == first["Cache-Control"]
                not_modified = self.client.get(url, HTTP_IF_NONE_MATCH=hit["ETag"])
                assert not_modified.status_code == 304
                assert not_modified["Access-Control-Allow-Origin"] == "*"
                assert not_modified[cache.HEADER] == first[cache.HEADER]
        # An unknown parameter is never a shared copy of its own (no cache busting).
        assert "X-Page-Cache" not in self.client.get("/api/v1/articles?utm_source=x")
        # A key's read passes the cache by.
        _, token = key_for(Users(role="Writer"), drafts=True)
        assert "X-Page-Cache" not in self.client.get("/api/v1/articles?limit=5", **bearer(token))
        with self.captureOnCommitCallbacks(execute=True):  # the purge runs after commit
            services.unpublish(article=self.article, by=Users(role="Editor"), note="Legal")
        listing = self.client.get("/api/v1/articles?limit=5")
        assert listing["X-Page-Cache"] == "miss"
        assert self.article.pk not in [item["id"] for item in listing.json()["items"]]
        assert self.client.get(f"/api/v1/articles/{self.article.pk}").status_code == 404

    def test_kept_encodings_follow_every_change_to_their_rows(self):
        """Each article's JSON is kept per process by the version of its rows: a change to the
        article, its section, its lead image or its sponsorship shows at once."""
        from articles.api import represent
        from articles.models import Article as Row
        from articles.models import Section
        from tests.factories import library_image as picture

        image = picture(alt_text="Old alt")
        Row.objects.filter(pk=self.article.pk).update(lead_image=image)
        detail, listing = f"/api/v1/articles/{self.article.pk}", "/api/v1/articles?limit=5"
        first = self.client.get(detail).json()
        assert first["lead_image"]["alt"] == "Old alt"
        assert any(key[1] == self.article.pk for key in represent._kept)
        Row.objects.filter(pk=self.article.pk).update(headline="New headline")
        Section.objects.filter(pk=self.article.section_id).update(name="Renamed")
        type(image).objects.filter(pk=image.pk).update(alt_text="New alt")
        for url in (detail, listing):
            data = self.client.get(url).json()
            item = (
                data
                if url == detail
                else next(i for i in data["items"] if i["id"] == self.article.pk)
            )
            assert item["headline"] == "New headline"
            assert item["section"]["name"] == "Renamed"
            assert item["lead_image"]["alt"] == "New alt"

    def test_errors_are_never_shared(self):
        response = self.client.get("/api/v1/articles/999999")
        assert response["Cache-Control"] == "no-store"
        assert "Access-Control-Allow-Origin" not in response

    def test_publish_edit_and_unpublish_purge_every_response_showing_the_article(self):
        """The API's responses carry the keys the workflow purges (same purge path as pages)."""
        from articles import services
        from tests.factories import UserFactory as Users

        editor = Users(role="Editor")
        listing = set(self.client.get("/api/v1/articles")[cache.HEADER].split())
        detail = set(self.client.get(f"/api/v1/articles/{self.article.pk}")[cache.HEADER].split())
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            services.unpublish(article=self.article, by=editor)
        purged = set(cache.keys_for_article(self.article))
        assert purged & listing and purged & detail
        assert cache.HOME in purged  # a new article enters every list: the listing key
        assert callbacks


class PreviewTests(TestCase):
    def test_a_share_preview_token_reads_one_draft_privately(self):
        editor = UserFactory(role="Editor")
        draft = ArticleFactory(draft=True, headline="Embargoed")
        token = create_preview_token(article=draft, by=editor)
        response = self.client.get(f"/api/v1/preview/{token}")
        assert response.status_code == 200 and response.json()["headline"] == "Embargoed"
        assert response["Cache-Control"] == "private, no-store"
        assert "Access-Control-Allow-Origin" not in response
        assert self.client.get("/api/v1/preview/forged").status_code == 404


class ListingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.public = ArticleFactory(tags=["Live tag"])
        cls.draft = ArticleFactory(draft=True, tags=["Draft only"], authors=[AuthorFactory(
            name="Draft only author")])  # fmt: skip

    def test_sections_tags_authors_and_corrections(self):
        Correction.objects.create(article=self.public, text="Fixed.")
        Correction.objects.create(article=self.draft, text="Hidden note")
        sections = self.client.get("/api/v1/sections").json()["items"]
        assert self.public.section.slug in [s["slug"] for s in sections]
        tags = self.client.get("/api/v1/tags").json()["items"]
        assert [t["name"] for t in tags] == ["Live tag"]
        authors = self.client.get("/api/v1/authors").json()["items"]
        assert [a["name"] for a in authors] == [self.public.credits[0].name]
        notes = self.client.get("/api/v1/corrections").json()["items"]
        assert [n["text"] for n in notes] == ["Fixed."]

    def test_tags_page_by_slug(self):
        for i in range(3):
            ArticleFactory(tags=[f"Tag {i}"])
        first = self.client.get("/api/v1/tags?limit=2").json()
        assert len(first["items"]) == 2 and first["next"]
        rest = self.client.get(first["next"].split("/api/v1", 1)[1].join(["/api/v1", ""])).json()
        assert len(rest["items"]) == 2 and rest["next"] is None
