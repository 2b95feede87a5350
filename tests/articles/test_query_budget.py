"""Reader pages cost a fixed, small number of queries: constant in tags, authors, ads and
page size (the navigation's sections come from the cache after the first page)."""

import re

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from articles.pages.models import ArticleMarkup
from articles.views import PAGE_SIZE
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    AuthorFactory,
    PlacementFactory,
    SectionFactory,
)

# article + section + lead image + sponsorship + its kept markup (byline, tags and corrections
# in its row), related stories (their bylines in their rows), ad slots with their placements,
# and whether it is live coverage (articles/live/: its stream adds 3 more when it is)
ARTICLE_QUERIES = 4
# (object,) articles + lead images (bylines in their rows), ad slots with their placements,
# and when the next article joins the listing (its lifetime in caches: one index lookup)
LISTING_QUERIES = {"home": 3, "section": 4, "author": 4, "tag": 4}


class ArticlePageBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.slots = [AdSlotFactory(code="YYYYYYYYYY"), AdSlotFactory(code="ZZZZZZZZZZ")]
        cls.small = ArticleFactory(slug="small", tags=["one"])
        authors = [AuthorFactory() for _ in range(3)]
        cls.big = ArticleFactory(slug="big", authors=authors, tags=[f"t{i}" for i in range(30)])

    def setUp(self):
        # The navigation is cached from now on, and each article's own markup kept (as the
        # purge task does once a change commits, which a TestCase never does).
        for article in (self.small, self.big):
            self.client.get(article.get_absolute_url())

    def test_article_page_is_three_queries_with_1_or_30_tags_and_1_or_3_authors(self):
        for article in (self.small, self.big):
            with self.subTest(article=article.slug), self.assertNumQueries(ARTICLE_QUERIES):
                assert self.client.get(article.get_absolute_url()).status_code == 200

    def test_a_page_whose_markup_is_not_kept_keeps_it_in_one_more_query(self):
        ArticleMarkup.objects.all().delete()
        for article in (self.small, self.big):
            with self.subTest(article=article.slug):
                with CaptureQueriesContext(connection) as ctx:
                    assert self.client.get(article.get_absolute_url()).status_code == 200
                # (+ the write's savepoint and its release: a test runs in a transaction)
                queries = [q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
                assert len(queries) == ARTICLE_QUERIES + 1
                writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
                assert len(writes) == 1 and "articles_articlemarkup" in writes[0]
                with self.assertNumQueries(ARTICLE_QUERIES):
                    self.client.get(article.get_absolute_url())
        assert ArticleMarkup.objects.count() == 2

    def test_article_page_is_three_queries_with_no_or_many_placements(self):
        for slot in self.slots:
            for _ in range(5):
                PlacementFactory(slot=slot)
        with self.assertNumQueries(ARTICLE_QUERIES):
            response = self.client.get(self.big.get_absolute_url())
        assert response.status_code == 200
        self.assertContains(response, 'data-creative="', count=2)

    def test_the_first_page_after_a_section_change_reads_the_navigation_once(self):
        SectionFactory(name="Brand new desk")
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(self.small.get_absolute_url())
        assert len(ctx) == ARTICLE_QUERIES + 1
        self.assertContains(response, "Brand new desk")
        with self.assertNumQueries(ARTICLE_QUERIES):
            self.client.get(self.small.get_absolute_url())


class ListingBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section, cls.author = SectionFactory(), AuthorFactory()

    def add_articles(self, count):
        for _ in range(count):
            ArticleFactory(
                section=self.section, authors=[self.author, AuthorFactory()], tags=["budget"]
            )

    def urls(self):
        return {
            "home": "/",
            "section": self.section.get_absolute_url(),
            "author": self.author.get_absolute_url(),
            "tag": "/tags/budget/",
        }

    def test_listings_cost_the_same_with_3_or_a_full_page_of_articles(self):
        self.add_articles(3)
        self.client.get("/")
        for size in (3, PAGE_SIZE + 5):
            self.add_articles(size - 3 if size > 3 else 0)
            for name, url in self.urls().items():
                with self.subTest(page=name, articles=size):
                    self.client.get(url)  # keeps the new cards' markup
                    with self.assertNumQueries(LISTING_QUERIES[name]):
                        response = self.client.get(url)
                    assert response.status_code == 200
                    assert len(response.context["page"].object_list) == min(size, PAGE_SIZE)

    def test_a_full_page_of_cards_not_kept_yet_is_kept_in_one_write(self):
        self.add_articles(PAGE_SIZE + 5)
        self.client.get("/tags/budget/")  # the navigation is cached from now on
        self.client.get("/")  # and "Most read" (worked out by the page that finds it missing)
        ArticleMarkup.objects.all().delete()
        for name, url in self.urls().items():
            with self.subTest(page=name):
                ArticleMarkup.objects.all().delete()
                with CaptureQueriesContext(connection) as ctx:
                    first = self.client.get(url).content
                queries = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
                assert len(queries) == LISTING_QUERIES[name] + 1
                assert sum(q.startswith("INSERT") for q in queries) == 1
                assert ArticleMarkup.objects.exclude(card_digest="").count() >= PAGE_SIZE - 1
                with self.assertNumQueries(LISTING_QUERIES[name]):
                    assert self.client.get(url).content == first

    def test_listings_never_load_the_body_or_count_the_table(self):
        self.add_articles(2)
        self.client.get("/")
        for url in self.urls().values():
            with self.subTest(url=url), CaptureQueriesContext(connection) as ctx:
                self.client.get(url)
            article_queries = [
                q["sql"] for q in ctx if re.search(r'FROM "?articles_article"? a\b', q["sql"])
            ]
            assert len(article_queries) == 1, article_queries
            for sql in article_queries:
                assert not re.search(r"\ba\.body", sql)
                assert "COUNT(" not in sql.upper()
