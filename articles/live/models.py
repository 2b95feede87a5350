"""Live coverage of a breaking story: the coverage of one article and its entries, as rows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author


class CoverageState(models.TextChoices):
    LIVE = "live", "Live"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    REMOVED = "removed", "Removed"


class LiveCoverage(models.Model):
    """An article covered live: its state, its times and the version readers poll by."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="live_coverage")
    state = models.CharField(
        max_length=10, choices=CoverageState.choices, default=CoverageState.LIVE
    )
    started_at = models.DateTimeField(
        default=timezone.now, help_text="When the coverage began (shown to readers)."
    )
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the coverage ends (by an editor or the clock)."
    )
    auto_end_hours = models.PositiveSmallIntegerField(
        default=6,
        help_text="The coverage ends by itself this many hours after the last published entry "
        "(0: never).",
    )
    ads_every = models.PositiveSmallIntegerField(
        default=5,
        help_text="An ad slot after every this many entries (0: none). The article's "
        "“no ads” switch turns them off too.",
    )
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Moves on every change readers can see; readers poll by it.",
    )
    last_entry_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "live coverage"
        verbose_name_plural = "live coverage"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CoverageState.values), name="live_coverage_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=CoverageState.ENDED) | Q(ended_at__isnull=False),
                name="live_coverage_ended_has_time",
            ),
        ]

    def __str__(self):
        return f"Live: {self.article}"

    def get_absolute_url(self):
        return reverse("admin:live_livecoverage_change", args=[self.pk])

    @property
    def is_ended(self) -> bool:
        return self.state == CoverageState.ENDED


class LiveEntryQuerySet(models.QuerySet):
    def published(self):
        """The one rule for entries readers may see: published, in coverage of a public
        article."""
        public = Article.objects.published().values("pk")
        return self.filter(status=EntryStatus.PUBLISHED, coverage__article__in=public)

    def newest_first(self):
        """Readers' order (and the keyset for "load more"): newest first, the id breaking ties."""
        return self.order_by("-published_at", "-pk")


class LiveEntry(models.Model):
    """One update in a live coverage: a row, never a blob in the article."""

    coverage = models.ForeignKey(LiveCoverage, on_delete=models.CASCADE, related_name="entries")
    headline = models.CharField(max_length=200, blank=True, help_text="Optional.")
    body = models.TextField(
        help_text="Sanitised like an article body: images and embeds from the media library."
    )
    authors = models.ManyToManyField(Author, blank=True, related_name="live_entries")
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    is_pinned = models.BooleanField(default=False, help_text="Shown above every other entry.")
    is_key_event = models.BooleanField(
        default=False, help_text="Listed among the key events at the top of the page."
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="The time readers see; set when it is first published."
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Moves on every save: an edit of an older version is refused."
    )
    changed_in = models.PositiveIntegerField(
        default=0, help_text="The coverage version in which readers last saw it change."
    )

    objects = LiveEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "live entry"
        verbose_name_plural = "live entries"
        permissions = [("publish_liveentry", "Can publish live entries")]
        indexes = [
            models.Index(
                fields=["coverage", "status", "-published_at", "-id"], name="live_entry_stream_idx"
            ),
            models.Index(fields=["coverage", "changed_in"], name="live_entry_changed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="live_entry_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=EntryStatus.DRAFT) | Q(published_at__isnull=False),
                name="live_entry_published_has_time",
            ),
        ]

    def __str__(self):
        return self.headline or f"Entry {self.pk}"

    def get_absolute_url(self):
        return self.coverage.article.get_absolute_url() + f"#entry-{self.pk}"

    @property
    def anchor(self) -> str:
        return f"entry-{self.pk}"
