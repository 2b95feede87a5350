"""The demo's reading figures: a few days for the published articles, once."""

import io

from django.core.cache import cache
from django.core.management import call_command
from django.test import TestCase

from articles.analytics import services
from articles.analytics.models import DailyCount, HourlyCount, ReferrerCount
from tests.factories import ArticleFactory


class SeedAnalyticsTests(TestCase):
    def test_seeds_days_of_figures_for_published_articles_once(self):
        cache.clear()
        live = [ArticleFactory(), ArticleFactory()]
        ArticleFactory(draft=True)
        self.assertEqual(call_command("seed_analytics", days=3, stdout=io.StringIO()), "6")
        self.assertEqual(
            set(DailyCount.objects.values_list("article_id", flat=True)), {a.pk for a in live}
        )
        self.assertTrue(HourlyCount.objects.exists())
        for row in DailyCount.objects.all():
            referred = ReferrerCount.objects.filter(article=row.article, day=row.day)
            self.assertEqual(sum(r.views for r in referred), row.views)
        self.assertEqual(len(services.most_read_lists()["lists"]["site:7d"]), 2)
        self.assertEqual(call_command("seed_analytics", stdout=io.StringIO()), "0")
        self.assertEqual(DailyCount.objects.count(), 6)
