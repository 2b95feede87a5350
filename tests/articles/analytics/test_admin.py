"""Editors' reading figures in the admin: every article for editors, their own for writers,
nothing for other roles; the chart, the table, referrers, "now" and the CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.test import TestCase, override_settings

from articles.analytics import services
from articles.analytics.models import (
    DailyCount,
    HourlyCount,
    MostReadExclusion,
    ReferrerCount,
)
from tests.articles.analytics.helpers import beacon, clear_stores
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

OVERVIEW = "/admin/analytics/dailycount/"


def today():
    return datetime.now(UTC).date()


@override_settings(NEWSROOM_ANALYTICS_REDIS_URL="")
class ReadingFiguresAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="figures-writer", role="Writer")
        cls.other_writer = UserFactory(username="figures-other", role="Writer")
        cls.editor = UserFactory(username="figures-editor", role="Editor")
        cls.ad_manager = UserFactory(username="figures-ads", role="Ad manager")
        cls.own = ArticleFactory(headline="My own story", authors=[AuthorFactory(user=cls.writer)])
        cls.theirs = ArticleFactory(
            headline="Somebody else's story", authors=[AuthorFactory(user=cls.other_writer)]
        )
        for days_ago, views in ((0, 12), (1, 30), (6, 5), (20, 7)):
            day = today() - timedelta(days=days_ago)
            DailyCount.objects.create(
                article=cls.own,
                day=day,
                views=views,
                visitors=views - 2,
                engaged_seconds=views * 40,
            )
            DailyCount.objects.create(article=cls.theirs, day=day, views=views * 2, visitors=views)
        ReferrerCount.objects.create(article=cls.own, day=today(), host="social.example", views=9)
        ReferrerCount.objects.create(article=cls.own, day=today(), host="", views=3)
        cls.hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        HourlyCount.objects.create(article=cls.own, hour=cls.hour, views=4, visitors=3)

    def setUp(self):
        clear_stores()
        cache.clear()

    def test_editors_see_every_article_for_today_7_and_30_days(self):
        self.client.force_login(self.editor)
        response = self.client.get(OVERVIEW)
        self.assertContains(response, "My own story")
        self.assertContains(response, "Somebody else&#x27;s story")
        periods = response.context["periods"]
        totals = {p["key"]: {r["article"]: r["views"] for r in p["articles"]} for p in periods}
        self.assertEqual(totals["today"], {self.theirs.pk: 24, self.own.pk: 12})
        self.assertEqual(totals["7d"], {self.theirs.pk: 94, self.own.pk: 47})
        self.assertEqual(totals["30d"], {self.theirs.pk: 108, self.own.pk: 54})
        self.assertEqual(sum(row["views"] for row in periods[0]["sections"]), 36)

    def test_writers_see_only_their_own_stories(self):
        self.client.force_login(self.writer)
        response = self.client.get(OVERVIEW)
        self.assertContains(response, "My own story")
        self.assertNotContains(response, "Somebody else")
        self.assertEqual(self.client.get(self.article_url(self.own)).status_code, 200)
        self.assertEqual(self.client.get(self.article_url(self.theirs)).status_code, 404)
        rows = self.csv_rows("30d")
        self.assertEqual({row[1] for row in rows[1:]}, {str(self.own.pk)})

    def test_other_roles_are_refused(self):
        self.client.force_login(self.ad_manager)
        for url in (OVERVIEW, self.article_url(self.own), OVERVIEW + "export.csv"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(OVERVIEW).status_code, 302)

    def test_one_article_has_a_chart_a_table_engaged_time_and_referrers(self):
        self.client.force_login(self.editor)
        response = self.client.get(self.article_url(self.own))
        html = response.content.decode()
        self.assertIn('<svg class="analytics-chart"', html)
        self.assertIn('role="img"', html)
        self.assertIn('<title id="chart-title">Views and visitors per day', html)
        self.assertIn("Day (UTC)", html)
        self.assertEqual(len(response.context["series"]), 30)
        self.assertInHTML(
            f"<tr><td>{today():%Y-%m-%d}</td><td>12</td><td>10</td><td>40</td></tr>", html
        )
        self.assertIn("54 views, 46 visitors", html)
        self.assertIn("40 s engaged per view", html)
        self.assertInHTML("<tr><td>social.example</td><td>9</td></tr>", html)
        self.assertEqual(len(response.context["hours"]), 48)
        self.assertIn('<title id="hours-chart-title">Views and visitors per hour', html)
        self.assertInHTML(f"<tr><td>{self.hour:%Y-%m-%d %H}:00</td><td>4</td><td>3</td></tr>", html)
        self.assertInHTML("<tr><td>Direct or unknown</td><td>3</td></tr>", html)

    def test_csv_export_has_one_row_per_article_and_day(self):
        self.client.force_login(self.editor)
        rows = self.csv_rows("7d")
        self.assertEqual(rows[0][:3], ["day", "article_id", "headline"])
        self.assertEqual(len(rows), 1 + 6)
        self.assertIn(
            [
                today().isoformat(),
                str(self.own.pk),
                "My own story",
                self.own.section.name,
                "12",
                "10",
                "480",
            ],
            rows,
        )

    def test_now_shows_the_last_five_minutes(self):
        beacon(self.client, a=self.own.pk)
        beacon(self.client, a=self.own.pk, ip="198.51.100.1")
        self.client.force_login(self.editor)
        response = self.client.get(OVERVIEW)
        self.assertEqual(
            response.context["now"],
            [{"article": self.own.pk, "headline": "My own story", "views": 2}],
        )

    def test_editors_exclude_an_article_and_writers_cannot(self):
        self.client.force_login(self.writer)
        url = "/admin/analytics/mostreadexclusion/add/"
        self.assertEqual(self.client.get(url).status_code, 403)
        self.client.force_login(self.editor)
        response = self.client.post(url, {"article": self.own.pk, "reason": "Obituary"})
        self.assertEqual(response.status_code, 302)
        exclusion = MostReadExclusion.objects.get()
        self.assertEqual((exclusion.article, exclusion.excluded_by), (self.own, self.editor))
        services.refresh_most_read()
        self.assertNotIn(
            self.own.pk, [e[0] for e in services.most_read_lists()["lists"].get("site:7d", [])]
        )

    def article_url(self, article):
        return f"{OVERVIEW}article/{article.pk}/"

    def csv_rows(self, period):
        response = self.client.get(f"{OVERVIEW}export.csv?period={period}")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
