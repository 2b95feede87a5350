"""A breaking alert (the banner across the site) and its audit trail."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class AlertLevel(models.TextChoices):
    BREAKING = "breaking", "Breaking"
    DEVELOPING = "developing", "Developing"
    NOTICE = "notice", "Notice"


# The banner shown when several alerts are live at once: the most serious first.
LEVEL_ORDER = {AlertLevel.BREAKING: 0, AlertLevel.DEVELOPING: 1, AlertLevel.NOTICE: 2}


class AlertQuerySet(models.QuerySet):
    def active(self, now):
        """Alerts readers see at `now`: started, not yet expired."""
        return self.filter(starts_at__lte=now, expires_at__gt=now)

    def next_change(self, now):
        """The next moment the set of active alerts changes by the clock alone (a start or an
        expiry still to come), or None."""
        upcoming = self.filter(expires_at__gt=now)
        starts = upcoming.filter(starts_at__gt=now).aggregate(at=models.Min("starts_at"))["at"]
        ends = upcoming.aggregate(at=models.Min("expires_at"))["at"]
        return min((m for m in (starts, ends) if m is not None), default=None)


class Alert(models.Model):
    """A banner across every page (or one section's pages) from its start until its expiry."""

    text = models.CharField(
        max_length=200, help_text="One sentence, as readers will see it in the banner."
    )
    url = models.CharField(
        "link",
        max_length=500,
        blank=True,
        help_text="Where the banner leads: a page of this site (/2026/12/08/story/) or an "
        "http(s) address. Leave empty for a banner without a link.",
    )
    level = models.CharField(max_length=12, choices=AlertLevel, default=AlertLevel.BREAKING)
    starts_at = models.DateTimeField(
        help_text="The banner appears at this time (now, or later to schedule it)."
    )
    expires_at = models.DateTimeField(
        help_text="The banner disappears by itself at this time, from every page and cache."
    )
    section = models.ForeignKey(
        "articles.Section",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        help_text="Only on this section's pages and its articles. Leave empty for every page.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["expires_at", "starts_at"], name="alert_window_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("starts_at")), name="alert_expires_after_start"
            ),
            models.CheckConstraint(
                condition=Q(level__in=AlertLevel.values), name="alert_level_valid"
            ),
        ]

    def __str__(self):
        return self.text

    def is_active(self, now) -> bool:
        return self.starts_at <= now < self.expires_at


class AlertEvent(models.Model):
    """Who created, changed, ended, deleted or pushed an alert, and when (append-only)."""

    alert = models.ForeignKey(Alert, on_delete=models.SET_NULL, null=True, related_name="events")
    alert_text = models.CharField(max_length=200)
    action = models.CharField(max_length=20)
    detail = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.action}: {self.alert_text}"
