"""Related stories under an article: pins first, then most shared tags, then the newest; only
published stories, never the article itself; a fixed number of queries."""

from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, RelatedPin
from articles.pages.reads import related_cards
from tests.articles.test_models import NON_PUBLIC_TRAITS
from tests.factories import ArticleFactory, UserFactory


def ago(days):
    return timezone.now() - timedelta(days=days)


class RelatedStoriesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        tags = ["chips", "china", "trade", "ai"]
        cls.article = ArticleFactory(headline="Main story", tags=tags, published_at=ago(1))
        cls.three = ArticleFactory(headline="Shares three", tags=tags[:3], published_at=ago(9))
        cls.two_old = ArticleFactory(headline="Shares two, old", tags=tags[:2], published_at=ago(8))
        cls.two_new = ArticleFactory(
            headline="Shares two, new", tags=tags[1:3], published_at=ago(2)
        )
        cls.one = ArticleFactory(headline="Shares one", tags=["ai"], published_at=ago(3))
        cls.one_more = ArticleFactory(headline="Shares one too", tags=["ai"], published_at=ago(4))
        cls.unrelated = ArticleFactory(headline="Unrelated", tags=["sport"], published_at=ago(1))
        cls.hidden = [
            ArticleFactory(headline=f"HIDDEN {trait}", tags=tags, **{trait: True})
            for trait in NON_PUBLIC_TRAITS
        ]

    candidates = 500

    def related(self, article=None):
        article = Article.objects.for_detail().get(pk=(article or self.article).pk)
        return [a.headline for a in related_cards(article, candidates=self.candidates)]

    def test_most_shared_tags_first_then_the_newest_at_most_four(self):
        assert self.related() == [
            "Shares three",
            "Shares two, new",
            "Shares two, old",
            "Shares one",
        ]

    def test_the_pool_is_the_newest_articles_sharing_a_tag_and_always_the_pins(self):
        if not connection.features.supports_slicing_ordering_in_compound:
            self.skipTest("SQLite cannot limit a part of a UNION: its pool is every sharer")
        RelatedPin.objects.create(article=self.article, related=self.unrelated, position=1)
        # The three newest live sharers (drafts sharing every tag never take a place): "Shares
        # three" and "Shares two, old" (filed first) fall out of a pool of three; the pin stays.
        with mock.patch.object(self, "candidates", 3):
            assert self.related() == [
                "Unrelated",
                "Shares two, new",
                "Shares one",
                "Shares one too",
            ]

    def test_pinned_stories_come_first_in_pin_order_even_without_shared_tags(self):
        RelatedPin.objects.create(article=self.article, related=self.unrelated, position=2)
        RelatedPin.objects.create(article=self.article, related=self.one_more, position=1)
        assert self.related() == ["Shares one too", "Unrelated", "Shares three", "Shares two, new"]

    def test_never_itself_nor_a_story_readers_cannot_see_even_when_pinned(self):
        for hidden in self.hidden:
            RelatedPin.objects.create(article=self.article, related=hidden)
        headlines = self.related()
        assert "Main story" not in headlines
        assert not [h for h in headlines if h.startswith("HIDDEN")]

    def test_an_article_without_tags_or_pins_has_none(self):
        assert self.related(ArticleFactory()) == []

    def test_one_query_whatever_the_number_of_tags(self):
        many = ArticleFactory(tags=[f"tag {n}" for n in range(30)] + ["ai"])
        for article in (self.article, many):
            loaded = Article.objects.for_detail().get(pk=article.pk)
            with self.subTest(tags=len(loaded.ordered_tags)), self.assertNumQueries(1):
                related_cards(loaded)

    def test_article_page_shows_them_as_cards_under_the_article(self):
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        section = html[html.index('<section class="related"') :]
        assert html.index('</article>\n<section class="related"') > 0
        assert '<h2 id="related-heading" class="section-heading">Related stories</h2>' in section
        assert section.count('<article class="card">') == 4
        assert section.index("Shares three") < section.index("Shares one")
        assert '<h3 class="card__headline">' in section

    def test_article_page_costs_the_same_with_1_or_4_related_stories_and_30_tags(self):
        lonely = ArticleFactory(tags=["lonely"])
        ArticleFactory(tags=["lonely"])

        def count(article):
            with CaptureQueriesContext(connection) as ctx:
                assert self.client.get(article.get_absolute_url()).status_code == 200
            return len(ctx)

        count(lonely)  # warm the per-process caches (publication settings), keep its markup
        base = count(lonely)
        count(self.article)  # keeps its markup
        with self.assertNumQueries(base):
            self.client.get(self.article.get_absolute_url())
        crowded = ArticleFactory(tags=[f"many {n}" for n in range(30)] + ["chips"])
        count(crowded)  # its new section changed the navigation: read it once more
        with self.assertNumQueries(base):
            self.client.get(crowded.get_absolute_url())

    def test_preview_of_a_draft_shows_no_related_stories(self):
        draft = ArticleFactory(draft=True, tags=["chips"])
        editor = UserFactory(username="ed", role="Editor")
        self.client.force_login(editor)
        response = self.client.get(draft.get_absolute_url())
        self.assertContains(response, "Not published.")
        self.assertNotContains(response, "Related stories")


class RelatedPinAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.article, cls.other = ArticleFactory(), ArticleFactory()
        cls.url = reverse("admin:articles_relatedpin_add")

    def test_editor_pins_a_story_and_it_shows_first(self):
        self.client.force_login(self.editor)
        data = {"article": self.article.pk, "related": self.other.pk, "position": 0}
        assert self.client.post(self.url, data).status_code == 302
        self.client.logout()
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        assert self.other.headline in html[html.index("Related stories") :]

    def test_pinning_an_article_to_itself_gets_a_clear_error(self):
        self.client.force_login(self.editor)
        data = {"article": self.article.pk, "related": self.article.pk, "position": 0}
        self.assertContains(self.client.post(self.url, data), "cannot be related to itself")
        assert not RelatedPin.objects.exists()

    def test_writer_cannot_pin(self):
        self.client.force_login(self.writer)
        data = {"article": self.article.pk, "related": self.other.pk, "position": 0}
        assert self.client.post(self.url, data).status_code == 403
        assert not RelatedPin.objects.exists()
