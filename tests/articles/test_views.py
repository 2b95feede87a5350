from datetime import timedelta

from django.contrib.auth.models import Permission
from django.test import RequestFactory, TestCase
from django.utils import timezone
from django.views.defaults import server_error

from articles.models import OldTagSlug, Tag
from tests.articles.test_models import NON_PUBLIC_TRAITS
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    UserFactory,
)


class NothingNonPublicLeaksTests(TestCase):
    """Every public page shows the published twin and none of the others."""

    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(slug="world")
        cls.author = AuthorFactory(slug="jo")
        common = {"section": cls.section, "authors": [cls.author], "tags": ["Leaky"]}
        cls.public = ArticleFactory(headline="PUBLIC-TWIN", **common)
        cls.hidden = [
            ArticleFactory(headline=f"HIDDEN-{trait}", **{trait: True}, **common)
            for trait in NON_PUBLIC_TRAITS
        ]
        cls.tag = Tag.objects.get(name="Leaky")

    def test_listings_show_only_the_public_twin_and_count_only_it(self):
        for url in ["/", "/sections/world/", "/authors/jo/", f"/tags/{self.tag.slug}/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, "PUBLIC-TWIN")
                self.assertNotContains(response, "HIDDEN-")
                assert len(response.context["page"].object_list) == 1

    def test_non_public_article_is_404_to_readers(self):
        for article in self.hidden:
            with self.subTest(status=article.status):
                response = self.client.get(article.get_absolute_url())
                assert response.status_code == 404
                self.assertNotContains(response, "HIDDEN-", status_code=404)

    def test_staff_without_change_permission_get_404(self):
        self.client.force_login(UserFactory(username="plainstaff"))
        assert self.client.get(self.hidden[0].get_absolute_url()).status_code == 404

    def test_writers_get_404_for_unpublished_articles_they_do_not_own(self):
        user = UserFactory(username="changer")
        user.user_permissions.add(Permission.objects.get(codename="change_article"))
        self.client.force_login(user)
        for article in self.hidden:
            with self.subTest(status=article.status):
                assert self.client.get(article.get_absolute_url()).status_code == 404

    def test_editors_see_a_banner_and_never_cache(self):
        self.client.force_login(UserFactory(username="editor", role="Editor"))
        for article in self.hidden:
            with self.subTest(status=article.status):
                response = self.client.get(article.get_absolute_url())
                self.assertContains(response, "Not published.")
                self.assertContains(response, 'content="noindex, nofollow"')
                assert "no-cache" in response["Cache-Control"]
                assert "private" in response["Cache-Control"]


class ArticlePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        AdSlotFactory(code="YYYYYYYYYY", width=728, height=90)
        AdSlotFactory(code="ZZZZZZZZZZ")
        cls.article = ArticleFactory(
            headline="Shape test",
            slug="shape-test",
            standfirst="The standfirst.",
            published_at=timezone.datetime(2025, 8, 10, 9, tzinfo=timezone.UTC),
            authors=[AuthorFactory(name="Ann One"), AuthorFactory(name="Bob Two")],
            tags=["Alpha", "beta"],
        )

    def test_page_follows_the_seed_shape_in_order(self):
        response = self.client.get("/2025/08/10/shape-test/")
        html = response.content.decode()
        order = [
            "<title>Shape test",
            '<h1 class="article__headline">Shape test</h1>',
            '<time datetime="2025-08-10T09:00:00+00:00">August 10, 2025</time>',
            ">Ann One</a> and <a",
            "The standfirst.",
            "<p>First paragraph.</p>",
            "Advertisement",
            "Fake Ad Placeholder (Ad slot: YYYYYYYYYY)",
            '<h2 id="tags-heading">Tags</h2>',
            '<a href="/tags/alpha/" rel="tag">Alpha</a>',
            "Fake Ad Placeholder (Ad slot: ZZZZZZZZZZ)",
        ]
        position = 0
        for fragment in order:
            found = html.find(fragment, position)
            assert found != -1, f"{fragment!r} missing or out of order"
            position = found + len(fragment)

    def test_wrong_date_redirects_permanently_to_the_permalink(self):
        response = self.client.get("/2024/01/01/shape-test/")
        assert response.status_code == 301
        assert response["Location"] == "/2025/08/10/shape-test/"

    def test_unknown_slug_is_a_friendly_404(self):
        response = self.client.get("/2025/08/10/no-such-story/")
        self.assertContains(response, "We couldn’t find that page", status_code=404)

    def test_ads_disabled_article_shows_no_slots(self):
        article = ArticleFactory(ads_disabled=True)
        response = self.client.get(article.get_absolute_url())
        self.assertNotContains(response, "Advertisement")


class PaginationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        base = timezone.now() - timedelta(days=1)
        for i in range(45):
            ArticleFactory(headline=f"Story {i:02d}", published_at=base - timedelta(minutes=i))

    def test_twenty_a_page_and_the_lead_on_page_one(self):
        first = self.client.get("/")
        assert first.context["lead"].headline == "Story 00"
        assert len(first.context["articles"]) == 19
        self.assertContains(first, 'rel="next" href="?page=2"')
        third = self.client.get("/?page=3")
        assert len(third.context["articles"]) == 5
        self.assertContains(third, 'rel="prev" href="?page=2"')

    def test_pages_past_the_end_or_not_numbers_are_404(self):
        for page in ["4", "0", "abc"]:
            with self.subTest(page=page):
                assert self.client.get(f"/?page={page}").status_code == 404

    def test_unknown_tag_author_section_are_404(self):
        for url in ["/tags/nope/", "/authors/nope/", "/sections/nope/"]:
            with self.subTest(url=url):
                assert self.client.get(url).status_code == 404


def test_server_error_page_is_friendly_and_needs_no_database():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


class OnlyUnpublishedArticlesTests(TestCase):
    """A tag or an author that only unpublished articles carry does not exist for readers: its
    page and feeds answer 404 like an unknown one, and no sitemap lists it."""

    @classmethod
    def setUpTestData(cls):
        cls.author = AuthorFactory(name="Nova Hire", slug="nova-hire")
        for trait in NON_PUBLIC_TRAITS:
            ArticleFactory(**{trait: True}, authors=[cls.author], tags=["Secret merger"])
        cls.tag = Tag.objects.get(name="Secret merger")
        ArticleFactory(tags=["Weather"])  # something public, so the sitemaps exist

    def urls(self):
        tag, author = f"/tags/{self.tag.slug}/", f"/authors/{self.author.slug}/"
        return [tag, tag + "feed/", tag + "feed/atom/", author, author + "feed/",
                author + "feed/atom/"]  # fmt: skip

    def test_pages_and_feeds_answer_404_like_unknown_ones(self):
        unknown = self.client.get("/tags/never-existed/")
        assert unknown.status_code == 404
        for url in self.urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                assert response.status_code == 404
                assert b"Secret merger" not in response.content
                assert b"Nova Hire" not in response.content

    def test_an_old_address_of_such_a_tag_is_a_404_too(self):
        OldTagSlug.objects.create(slug="merger-talks", tag=self.tag)
        assert self.client.get("/tags/merger-talks/").status_code == 404

    def test_no_sitemap_lists_them(self):
        for url in ("/sitemap-tags.xml", "/sitemap-authors.xml"):
            response = self.client.get(url)
            assert response.status_code == 200
            assert self.tag.slug.encode() not in response.content
            assert b"nova-hire" not in response.content

    def test_they_appear_once_an_article_is_published(self):
        ArticleFactory(authors=[self.author], tags=["Secret merger"])
        for url in self.urls():
            with self.subTest(url=url):
                assert self.client.get(url).status_code == 200
