"""API keys for partners and tools, webhooks and the record of every delivery attempt."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        """Keys that still open the API (not revoked)."""
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A secret that lets a program act for one newsroom account through the API.

    Only the SHA-256 of the token is stored; the token is shown once, when an administrator
    makes the key. The key can never do more than its owner may do in the admin.
    """

    name = models.CharField(max_length=100, help_text="What the key is for, e.g. “Mobile app”.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="The account the key acts for: its role decides what the key may do.",
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    can_read_drafts = models.BooleanField(
        "may read unpublished articles",
        default=False,
        help_text="Reads also return the unpublished articles the owner may see in the admin.",
    )
    can_write = models.BooleanField(
        "may write",
        default=False,
        help_text="Create and edit articles, upload images and take workflow steps, as the "
        "owner could in the admin.",
    )
    rate_limit = models.PositiveIntegerField(
        "requests per minute",
        default=600,
        help_text="Requests beyond this in one minute get 429 Too Many Requests.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class WebhookEvent(models.TextChoices):
    """What a webhook can be told about."""

    ARTICLE_PUBLISHED = "article.published", "Article published"
    ARTICLE_UPDATED = "article.updated", "Published article updated"
    ARTICLE_UNPUBLISHED = "article.unpublished", "Article unpublished"
    CORRECTION_ADDED = "correction.added", "Correction added"


class Webhook(models.Model):
    """A partner's URL that is sent a signed POST when a chosen event happens."""

    url = models.URLField(
        "URL",
        max_length=500,
        help_text="An http(s) address on the public internet; private and loopback addresses "
        "are refused.",
    )
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list, help_text="The events this URL receives (see WebhookEvent)."
    )
    secret = models.CharField(
        max_length=64,
        editable=False,
        help_text="Signs every delivery (Newsroom-Signature); give it to the receiver.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Deliveries stop when this is off. It is turned off after repeated failures.",
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["url", "pk"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook, with what the receiver answered."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent)
    delivery_id = models.UUIDField(
        help_text="The same for every attempt of one delivery (Newsroom-Delivery header)."
    )
    payload = models.JSONField()
    attempt = models.PositiveSmallIntegerField(default=1)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["webhook", "-created_at"], name="delivery_webhook_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(event__in=WebhookEvent.values), name="delivery_event_valid"
            ),
        ]

    def __str__(self):
        return f"{self.event} to {self.webhook} (attempt {self.attempt})"

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300
