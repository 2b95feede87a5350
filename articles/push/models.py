"""Push subscriptions (the endpoint, its keys and topics: nothing else about the reader) and
sends (one per notification, in batches that advance a leased cursor)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PushSubscription(models.Model):
    """One browser's push endpoint and its encryption keys (RFC 8291). Nothing about the
    reader: no IP address, user agent, cookie or time."""

    endpoint = models.CharField(max_length=2048, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=32)

    class Meta:
        verbose_name = "push subscription"

    def __str__(self):
        return f"Subscription #{self.pk}"


class PushTopic(models.Model):
    """A topic a subscription asked for: `breaking`, `section:<slug>` or `live:<article id>`."""

    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.CASCADE, related_name="topics"
    )
    topic = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "subscription"], name="push_topic_unique")
        ]

    def __str__(self):
        return self.topic


class SendStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"


class Urgency(models.TextChoices):
    """RFC 8030 §5.3: how soon the push service should wake the device."""

    VERY_LOW = "very-low", "Very low"
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class PushSend(models.Model):
    """One notification to every subscription of a topic, with its delivered/failed counts."""

    topic = models.CharField(max_length=80)
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=500)
    ttl = models.PositiveIntegerField(
        "TTL (seconds)", help_text="How long the push service keeps it for an offline device."
    )
    urgency = models.CharField(max_length=10, choices=Urgency, default=Urgency.HIGH)
    source = models.CharField(
        max_length=40, blank=True, help_text="What it was sent from, e.g. alert:12."
    )
    status = models.CharField(max_length=10, choices=SendStatus, default=SendStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    pruned = models.PositiveIntegerField(
        default=0, help_text="Subscriptions the push service said are gone (404/410), removed."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SendStatus.values), name="push_send_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="push_send_urgency_valid"
            ),
        ]

    def __str__(self):
        return f"{self.title} → {self.topic}"


class PushBatch(models.Model):
    """A range of subscription ids of one send. A worker claims it with a lease and moves its
    cursor past each subscription the moment the push service has answered, so a batch taken
    over after a worker died starts after the last answered one: each subscription gets the
    notification once."""

    send = models.ForeignKey(PushSend, on_delete=models.CASCADE, related_name="batches")
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    answered_through = models.BigIntegerField(help_text="The last subscription id answered.")
    status = models.CharField(max_length=10, choices=SendStatus, default=SendStatus.QUEUED)
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    pruned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["send", "first_id"]
        indexes = [models.Index(fields=["send", "status"], name="push_batch_send_status_idx")]

    def __str__(self):
        return f"Batch {self.first_id}–{self.last_id} of send #{self.send_id}"
