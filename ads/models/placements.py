"""Placements (a creative booked into a slot), their daily counts, sponsorships and
suppression rules. Times are stored in UTC; a window includes its start and excludes its end.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ads import sizes as adsizes
from ads.models.creatives import Creative
from ads.models.slots import AdSlot, PageType

ERROR_END_BEFORE_START = "The end must be after the start."
ERROR_SIZE_FITS_NO_SLOT = (
    "This creative is {size}, which fits none of the slot's sizes ({slot_sizes}). "
    "Pick another slot or another creative."
)
ERROR_SUPPRESSION_TARGET = "Choose a section, a tag, or both."


class Priority(models.IntegerChoices):
    """Which placements win: sponsorships first, then standard, then house ads."""

    SPONSORSHIP = 1, "Sponsorship"
    STANDARD = 2, "Standard"
    HOUSE = 3, "House"


class PlacementQuerySet(models.QuerySet):
    def live(self, now=None):
        """Placements that may show now: active, inside their window (end exclusive)."""
        now = now or timezone.now()
        return self.filter(
            Q(is_active=True),
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )

    def scheduled(self, now=None):
        """Active placements whose window has not started yet."""
        return self.filter(is_active=True, starts_at__gt=now or timezone.now())

    def expired(self, now=None):
        """Placements whose window has ended."""
        return self.filter(ends_at__lte=now or timezone.now())

    def targeting(self, *, section_id=None, tag_ids=None):
        """Placements whose section and tag targeting match (no targeting matches everything)."""
        sections = Placement.sections.through.objects.filter(placement=OuterRef("pk"))
        tags = Placement.tags.through.objects.filter(placement=OuterRef("pk"))
        section_ok = ~Exists(sections)
        if section_id is not None:
            section_ok |= Exists(sections.filter(section_id=section_id))
        tag_ok = ~Exists(tags)
        if tag_ids is not None:
            tag_ok |= Exists(tags.filter(tag_id__in=tag_ids))
        return self.filter(section_ok, tag_ok)


class Placement(models.Model):
    """A creative booked into a slot for a while, for some pages: the line item."""

    slot = models.ForeignKey(AdSlot, on_delete=models.CASCADE, related_name="placements")
    creative = models.ForeignKey(Creative, on_delete=models.PROTECT, related_name="placements")
    priority = models.PositiveSmallIntegerField(
        choices=Priority,
        default=Priority.STANDARD,
        help_text="A live sponsorship always beats standard placements; house ads show only "
        "when nothing else is live.",
    )
    weight = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Among live placements of the same priority, a placement with weight 20 "
        "shows twice as often as one with weight 10.",
    )
    starts_at = models.DateTimeField(
        "starts", null=True, blank=True, help_text="Leave empty to start now."
    )
    ends_at = models.DateTimeField(
        "ends",
        null=True,
        blank=True,
        help_text="The placement stops at this moment (it is not shown at the end time "
        "itself). Leave empty to run until switched off.",
    )
    sections = models.ManyToManyField(
        "articles.Section",
        blank=True,
        related_name="+",
        help_text="Only on articles of these sections. Leave empty for all.",
    )
    tags = models.ManyToManyField(
        "articles.Tag",
        blank=True,
        related_name="+",
        help_text="Only on articles with one of these tags. Leave empty for all.",
    )
    page_types = models.JSONField(
        default=list,
        blank=True,
        help_text="Only on these kinds of page. Leave empty for all.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["slot", "priority", "-weight", "pk"]
        indexes = [
            models.Index(fields=["is_active", "starts_at", "ends_at"], name="placement_live_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="placement_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=1000), name="placement_weight_range"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="placement_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.creative} in {self.slot.code}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.is_active
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or self.ends_at > now)
        )

    def shows_on(self, page_type: str) -> bool:
        return not self.page_types or page_type in self.page_types

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = ERROR_END_BEFORE_START
        bad_types = set(self.page_types or []) - set(PageType.values)
        if bad_types:
            errors["page_types"] = f"Unknown page type: {', '.join(sorted(bad_types))}."
        if self.slot_id and self.creative_id:
            size = self.creative.size
            if size and size not in self.slot.sizes:
                errors["creative"] = ERROR_SIZE_FITS_NO_SLOT.format(
                    size=f"{size[0]}x{size[1]}", slot_sizes=adsizes.format_sizes(self.slot.sizes)
                )
        if errors:
            raise ValidationError(errors)


class PlacementStat(models.Model):
    """One placement's counts for one day (UTC): no people, no addresses, just totals."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="stats")
    date = models.DateField()
    offers = models.PositiveIntegerField(default=0, help_text="Times the creative was shown.")
    impressions = models.PositiveIntegerField(
        "viewable impressions",
        default=0,
        help_text="Times at least half of it was on screen for a second.",
    )
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date", "placement"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "date"], name="placementstat_unique_day"),
        ]

    def __str__(self):
        return f"{self.placement_id} on {self.date}"


class Sponsorship(models.Model):
    """A sponsored article: labelled "Sponsored by …", with only the sponsor's ads around it."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="sponsorship"
    )
    sponsor_name = models.CharField(
        max_length=120,
        help_text="Shown as “Sponsored by …”. Only creatives whose advertiser is exactly this "
        "name (any case) show on the article; every other slot stays empty.",
    )
    label = models.CharField(max_length=40, default="Sponsored by")

    class Meta:
        ordering = ["sponsor_name"]

    def __str__(self):
        return f"{self.article} — {self.label} {self.sponsor_name}"


class SuppressionRule(models.Model):
    """No ads (in one slot or all) on articles of a section or with a tag."""

    section = models.ForeignKey(
        "articles.Section", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "articles.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    slot = models.ForeignKey(
        AdSlot,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suppression_rules",
        help_text="Leave empty to suppress every slot.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why, for the next ad manager.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(section__isnull=False) | Q(tag__isnull=False),
                name="suppression_has_target",
            ),
        ]

    def __str__(self):
        target = " + ".join(str(x) for x in (self.section, self.tag) if x)
        return f"No {self.slot.code if self.slot else 'ads'} on {target}"

    def clean(self):
        if not self.section_id and not self.tag_id:
            raise ValidationError(ERROR_SUPPRESSION_TARGET)
