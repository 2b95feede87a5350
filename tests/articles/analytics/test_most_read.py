""" "Most read" on the home, section and article pages: published only, excludable, one cache
read, and pages that show it are purged with its articles and kept no longer than a refresh."""

import re
from datetime import timedelta
from unittest import mock

import time_machine
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from articles import services as workflow
from articles.analytics import services
from articles.analytics.models import DailyCount, HourlyCount
from tests.articles.test_query_budget import ARTICLE_QUERIES, LISTING_QUERIES
from tests.factories import AdSlotFactory, ArticleFactory, SectionFactory, UserFactory


def counted(article, views, *, hours_ago=1):
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)
    HourlyCount.objects.create(article=article, hour=hour, views=views, visitors=views)
    DailyCount.objects.update_or_create(
        article=article, day=hour.date(), defaults={"views": views, "visitors": views}
    )


def most_read_block(response) -> str:
    found = re.search(r'<section class="most-read".*?</section>', response.content.decode(), re.S)
    return found.group(0) if found else ""


class MostReadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        AdSlotFactory(code="YYYYYYYYYY")
        AdSlotFactory(code="ZZZZZZZZZZ")
        cls.news, cls.sport = SectionFactory(name="News"), SectionFactory(name="Sport")
        cls.top = ArticleFactory(headline="Top story", section=cls.news)
        cls.second = ArticleFactory(headline="Second story", section=cls.sport)
        cls.third = ArticleFactory(headline="Third story", section=cls.news)
        cls.draft = ArticleFactory(headline="Draft story", section=cls.news, draft=True)
        cls.old = ArticleFactory(headline="Last week's story", section=cls.sport)
        counted(cls.top, 50)
        counted(cls.second, 30)
        counted(cls.third, 10)
        counted(cls.draft, 99)
        counted(cls.old, 500, hours_ago=24 * 3)  # in the 7 days, not the 24 hours
        cls.editor = UserFactory(username="desk-editor", role="Editor")

    def setUp(self):
        cache.clear()
        services.refresh_most_read()

    def test_home_lists_the_most_read_in_order_for_24_hours_and_7_days(self):
        block = most_read_block(self.client.get("/"))
        day, week = block.split("Last 7 days")
        self.assertLess(day.index("Top story"), day.index("Second story"))
        self.assertLess(day.index("Second story"), day.index("Third story"))
        self.assertNotIn("Last week", day)
        self.assertLess(week.index("Last week&#x27;s story"), week.index("Top story"))
        self.assertIn(f'href="{self.top.get_absolute_url()}"', block)

    def test_drafts_never_appear(self):
        for url in ("/", self.news.get_absolute_url(), self.top.get_absolute_url()):
            self.assertNotContains(self.client.get(url), "Draft story")

    def test_a_section_page_lists_its_own_articles(self):
        block = most_read_block(self.client.get(self.news.get_absolute_url()))
        self.assertIn("Top story", block)
        self.assertIn("Third story", block)
        self.assertNotIn("Second story", block)

    def test_an_unpublished_article_leaves_at_once(self):
        with self.captureOnCommitCallbacks(execute=True):
            workflow.unpublish(article=self.top, by=self.editor)
        self.assertNotIn("Top story", most_read_block(self.client.get("/")))

    def test_saving_an_article_that_is_not_listed_purges_and_refreshes_nothing(self):
        with self.captureOnCommitCallbacks() as callbacks:
            self.draft.headline = "Draft story, edited"
            self.draft.save()
        self.assertEqual(callbacks, [])
        with self.captureOnCommitCallbacks() as callbacks:
            self.old.save()  # listed for the 7 days
        self.assertIn(services.refresh_most_read, callbacks)

    def test_an_article_taken_down_by_the_clock_leaves_without_a_refresh(self):
        self.second.unpublish_at = timezone.now() + timedelta(minutes=2)
        self.second.save()
        services.refresh_most_read()
        self.assertIn("Second story", most_read_block(self.client.get("/")))
        with time_machine.travel(timezone.now() + timedelta(minutes=3)):
            self.assertNotIn("Second story", most_read_block(self.client.get("/")))

    def test_an_excluded_article_leaves(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.exclude(article=self.top, by=self.editor, reason="Obituary")
        self.assertNotIn("Top story", most_read_block(self.client.get("/")))
        self.assertIn("Second story", most_read_block(self.client.get("/")))

    def test_pages_showing_it_carry_the_articles_keys_and_a_bounded_lifetime(self):
        response = self.client.get("/")
        self.assertIn(f"article-{self.top.pk}", response["Surrogate-Key"].split())
        s_maxage = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))
        self.assertLessEqual(s_maxage, 300)

    def test_the_module_costs_one_cache_read_and_no_query(self):
        data = services.most_read_lists()
        pages = {
            "/": LISTING_QUERIES["home"],
            self.news.get_absolute_url(): LISTING_QUERIES["section"],
            self.top.get_absolute_url(): ARTICLE_QUERIES,
        }
        for url, budget in pages.items():
            self.client.get(url)  # the navigation and the kept markup, as in the budget tests
            with (
                self.subTest(url=url),
                mock.patch("articles.analytics.services.default_cache") as kept,
                self.assertNumQueries(budget),
            ):
                kept.get.return_value = data
                response = self.client.get(url)
                self.assertEqual(kept.get.call_count, 1)
                kept.set.assert_not_called()
                self.assertIn("Top story", most_read_block(response))

    def test_no_most_read_when_nothing_was_read(self):
        HourlyCount.objects.all().delete()
        DailyCount.objects.all().delete()
        services.refresh_most_read()
        self.assertNotContains(self.client.get("/"), 'class="most-read"')


class BeaconMarkupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory(headline="Beacon story")
        cls.draft = ArticleFactory(headline="Beacon draft", draft=True)

    def test_the_article_page_loads_the_beacon_deferred_and_no_inline_script(self):
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        scripts = re.findall(r"<script[^>]*>", html)
        self.assertTrue(all("src=" in tag or "application/ld+json" in tag for tag in scripts))
        beacon = next(tag for tag in scripts if "analytics/beacon" in tag)
        self.assertIn(" defer", beacon)
        self.assertIn(f'data-article="{self.article.pk}"', beacon)
        self.assertIn('data-endpoint="/analytics/hit"', beacon)

    def test_a_preview_for_editors_is_not_counted(self):
        self.client.force_login(UserFactory(username="beacon-editor", role="Editor"))
        response = self.client.get(self.draft.get_absolute_url())
        self.assertContains(response, "Not published.")
        self.assertNotContains(response, "analytics/beacon")

    def test_listings_load_no_beacon(self):
        self.assertNotContains(self.client.get("/"), "analytics/beacon")


class NoCookieSweepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory(headline="Sweep story", tags=["sweep"])

    def test_no_public_response_sets_a_cookie(self):
        from tests.articles.analytics.helpers import beacon

        counted(self.article, 5)
        services.refresh_most_read()
        urls = [
            "/",
            self.article.get_absolute_url(),
            self.article.section.get_absolute_url(),
            "/tags/sweep/",
            "/search/?q=sweep",
            "/corrections/",
            "/feed/",
            "/sitemap.xml",
            "/robots.txt",
        ]
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertLess(response.status_code, 400)
                self.assertNotIn("Set-Cookie", response)
                self.assertEqual(response.cookies, {})
        for response in (
            beacon(self.client, a=self.article.pk),
            beacon(self.client, a="x"),
            beacon(self.client, a=self.article.pk, t="leave", s="5"),
        ):
            self.assertNotIn("Set-Cookie", response)
            self.assertEqual(response.cookies, {})
