"""Named ad slots on the site's pages and the creatives that fill them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AdSlot(models.Model):
    """A named place on a page where an advertisement may appear."""

    code = models.CharField(
        max_length=40,
        unique=True,
        help_text="The slot's identifier in templates and in the page, e.g. YYYYYYYYYY. "
        "Letters, digits, - and _ only.",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, help_text="Where the slot appears on the page.")
    width = models.PositiveSmallIntegerField(help_text="Width of the slot in CSS pixels.")
    height = models.PositiveSmallIntegerField(
        help_text="Height of the slot in CSS pixels. The page reserves this space so nothing "
        "moves when the advertisement arrives."
    )
    label = models.CharField(
        max_length=40, default="Advertisement", help_text="Shown above the slot's content."
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="An inactive slot shows nothing at all."
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Za-z0-9_-]+$"), name="adslot_code_format"
            ),
            models.CheckConstraint(condition=Q(width__gt=0, height__gt=0), name="adslot_size"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        if self.code and not all(c.isascii() and (c.isalnum() or c in "-_") for c in self.code):
            raise ValidationError({"code": "Use only letters, digits, - and _ in a slot code."})
        if self.width == 0 or self.height == 0:
            raise ValidationError("A slot needs a width and a height greater than zero.")


class CreativeQuerySet(models.QuerySet):
    def live(self, now=None):
        """Creatives that may be shown now: active and inside their window (end exclusive)."""
        now = now or timezone.now()
        return self.filter(
            Q(is_active=True),
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )


class Creative(models.Model):
    """What fills a slot for a while."""

    class Kind(models.TextChoices):
        PLACEHOLDER = "placeholder", "Placeholder"

    slot = models.ForeignKey(AdSlot, on_delete=models.CASCADE, related_name="creatives")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PLACEHOLDER)
    starts_at = models.DateTimeField(
        "starts", null=True, blank=True, help_text="Leave empty to start now."
    )
    ends_at = models.DateTimeField(
        "ends", null=True, blank=True, help_text="Leave empty to run until switched off."
    )
    is_active = models.BooleanField("active", default=True)

    objects = CreativeQuerySet.as_manager()

    class Meta:
        ordering = ["slot", "-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["placeholder"]), name="creative_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="creative_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must be after the start."})
