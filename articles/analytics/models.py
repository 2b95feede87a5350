"""Reading figures: counts per article per day and per hour, referrer hosts, and the articles
editors keep out of "Most read". Nothing here identifies a reader: no address, user agent,
cookie or full referrer is stored (docs/analytics.md)."""

from django.conf import settings
from django.db import models

from articles.models import Article


class DailyCount(models.Model):
    """An article's views, unique visitors and engaged seconds on one UTC day."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="daily_counts")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    engaged_seconds = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "daily reading figure"
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="analytics_daily_unique"),
        ]
        indexes = [models.Index(fields=["day", "article"], name="analytics_daily_day_idx")]

    def __str__(self):
        return f"{self.article_id} on {self.day}: {self.views} views"


class HourlyCount(models.Model):
    """An article's views and unique visitors in one UTC hour (kept for the last 48 hours)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="hourly_counts")
    hour = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "hourly reading figure"
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="analytics_hourly_unique"),
        ]
        indexes = [models.Index(fields=["hour", "article"], name="analytics_hourly_hour_idx")]

    def __str__(self):
        return f"{self.article_id} at {self.hour:%Y-%m-%d %H:00}: {self.views} views"


class ReferrerCount(models.Model):
    """Views of an article on one UTC day that came from one referring host ("" = none)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="referrer_counts")
    day = models.DateField()
    host = models.CharField(max_length=253, blank=True)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "referrer figure"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "day", "host"], name="analytics_referrer_unique"
            ),
        ]
        indexes = [models.Index(fields=["day", "article"], name="analytics_referrer_day_idx")]

    def __str__(self):
        return f"{self.host or 'direct'} → {self.article_id} on {self.day}"


class MostReadExclusion(models.Model):
    """An article kept out of "Most read" (obituaries, sponsored content, …)."""

    article = models.OneToOneField(
        Article,
        on_delete=models.CASCADE,
        related_name="most_read_exclusion",
        help_text="This article never appears in “Most read”; its figures are still counted.",
    )
    reason = models.CharField(max_length=200, blank=True, help_text="For the newsroom only.")
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    excluded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "article kept out of “Most read”"
        verbose_name_plural = "articles kept out of “Most read”"

    def __str__(self):
        return str(self.article)
