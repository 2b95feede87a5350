"""A few days of made-up reading figures for the demo, so that "Most read" and the charts
have something to show (`seed_demo` calls it; nothing is added when figures exist)."""

import random
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.analytics import services
from articles.analytics.models import DailyCount, HourlyCount, ReferrerCount
from articles.models import Article

HOSTS = ["", "news.google.com", "duckduckgo.com", "social.example", "newsletter.example"]


class Command(BaseCommand):
    help = "Add a few days of demo reading figures for the published articles."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=5)

    def handle(self, *args, days, **options):
        if DailyCount.objects.exists():
            self.stdout.write("Reading figures already present: nothing added.")
            return "0"
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        daily, hourly, referrers = [], [], []
        articles = Article.objects.published().order_by("-published_at")[:200]
        for rank, article in enumerate(articles):
            rng = random.Random(article.pk)  # noqa: S311 - demo figures, the same on every run
            weight = max(1, 60 - rank * 3)
            for days_ago in range(days):
                day = (now - timedelta(days=days_ago)).date()
                views = rng.randint(weight, weight * 4)
                daily.append(DailyCount(
                    article=article, day=day, views=views, visitors=int(views * 0.7),
                    engaged_seconds=views * rng.randint(20, 90),
                ))  # fmt: skip
                left = views
                for host in HOSTS[1:]:
                    share = rng.randint(0, left // 2)
                    left -= share
                    if share:
                        referrers.append(
                            ReferrerCount(article=article, day=day, host=host, views=share)
                        )
                referrers.append(ReferrerCount(article=article, day=day, host="", views=left))
            for hours_ago in range(48):
                views = rng.randint(0, weight // 4 + 1)
                if views:
                    hour = now - timedelta(hours=hours_ago)
                    hourly.append(
                        HourlyCount(article=article, hour=hour, views=views, visitors=views)
                    )
        with transaction.atomic():
            DailyCount.objects.bulk_create(daily)
            HourlyCount.objects.bulk_create(hourly)
            ReferrerCount.objects.bulk_create(referrers)
        services.refresh_most_read()
        self.stdout.write(f"Added {len(daily)} daily and {len(hourly)} hourly reading figures.")
        return str(len(daily))
