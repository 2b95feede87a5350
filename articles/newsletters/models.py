"""Newsletters, their subscribers (with the consent each gave), issues, one delivery row per
recipient of an issue, and the suppression list every send checks."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


def new_secret() -> str:
    """A subscriber's link secret: 32 hex characters."""
    return secrets.token_hex(16)


class Newsletter(models.Model):
    """A list readers can join: "Morning briefing", "Breaking", one per section…"""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="Shown beside the sign-up box.")
    from_name = models.CharField(
        max_length=100, blank=True, help_text="The sender's name; empty uses the site's name."
    )
    from_email = models.EmailField(
        blank=True, help_text="The sender's address; empty uses DEFAULT_FROM_EMAIL."
    )
    reply_to = models.EmailField(blank=True, help_text="Where replies go; empty: the sender.")
    schedule = models.CharField(
        max_length=100,
        blank=True,
        help_text="When it goes out, as readers are told (“Weekdays at 7:00”); empty: manual.",
    )
    is_public = models.BooleanField(
        default=True, help_text="Listed on /newsletters/ for readers to join."
    )
    is_offered_on_articles = models.BooleanField(
        default=False,
        help_text="The sign-up box under articles subscribes to this one.",
    )
    is_breaking = models.BooleanField(
        default=False,
        help_text="Offered on an article's publish step: the editor can send the story to "
        "this newsletter's readers as it goes live (once per story).",
    )
    digest_sections = models.ManyToManyField(
        "articles.Section",
        blank=True,
        related_name="+",
        help_text="A digest collects the stories published in these sections since the last "
        "issue (with the tags below; leave both empty for every story).",
    )
    digest_tags = models.ManyToManyField(
        "articles.Tag", blank=True, related_name="+", help_text="…and stories with these tags."
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def sender(self) -> str:
        from email.utils import formataddr

        address = self.from_email or settings.DEFAULT_FROM_EMAIL
        return formataddr((self.from_name, address)) if self.from_name else address


class Subscriber(models.Model):
    """A reader's email address; what they joined is in their subscriptions."""

    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-case.")
    # Changing the secret voids every link sent so far (preferences, unsubscribe).
    secret = models.CharField(max_length=32, default=new_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed subscriptions that have not been left."""
        return self.filter(status=SubscriptionStatus.ACTIVE)


class Subscription(models.Model):
    """One subscriber on one newsletter, with the consent record of their sign-up."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(
        max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    consent_at = models.DateTimeField(default=timezone.now)
    consent_form = models.CharField(
        max_length=50, help_text="Which form they used: “page”, “article”, “admin”…"
    )
    consent_wording_version = models.CharField(max_length=20)
    consent_ip_hash = models.CharField(
        max_length=64, blank=True, help_text="A keyed hash of the IP: never the address itself."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="newsletters_subscription_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SubscriptionStatus.values),
                name="newsletters_subscription_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["newsletter", "status"], name="nl_sub_status_idx")]

    def __str__(self):
        return f"{self.subscriber} on {self.newsletter}"


class IssueStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    SENT = "sent", "Sent"


class Issue(models.Model):
    """One edition of a newsletter: an introduction and chosen published articles, in order."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="issues")
    subject = models.CharField(max_length=200)
    preheader = models.CharField(
        max_length=200, blank=True, help_text="The line inboxes show after the subject."
    )
    introduction = models.TextField(
        blank=True, help_text="The editor's note at the top (plain text; blank lines: paragraphs)."
    )
    articles = models.ManyToManyField(
        "articles.Article", through="IssueArticle", related_name="newsletter_issues", blank=True
    )
    status = models.CharField(
        max_length=20, choices=IssueStatus.choices, default=IssueStatus.DRAFT, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    scheduled_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the issue starts sending by itself; empty: sent by hand.",
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    breaking_article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The story this issue announced from the publish step.",
    )
    send_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Until the delivery rows are all made, no sweep may call the send finished.
    rows_made_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the last recipient was handled."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IssueStatus.values), name="newsletters_issue_status_valid"
            ),
            # "Send to Breaking": a story goes to a newsletter once, whoever clicks twice.
            models.UniqueConstraint(
                fields=["newsletter", "breaking_article"],
                condition=Q(breaking_article__isnull=False),
                name="newsletters_breaking_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["scheduled_at"],
                condition=Q(status="draft", scheduled_at__isnull=False),
                name="nl_issue_due_idx",
            )
        ]

    def __str__(self):
        return f"{self.newsletter}: {self.subject}"

    def get_absolute_url(self):
        return reverse("admin:newsletters_issue_change", args=[self.pk])


class IssueArticle(models.Model):
    """An article chosen for an issue, at its place in the issue."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="newsletter_items"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "article"], name="newsletters_item_once")
        ]

    def __str__(self):
        return f"{self.position}. {self.article}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Complained"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Delivery(models.Model):
    """An issue to one subscriber: made once (unique per issue × subscriber), sent once."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    email = models.EmailField(max_length=254, help_text="Emptied when the subscriber is erased.")
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    # The batch that holds this row while sending it, and until when.
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["pk"]
        constraints = [
            # The idempotency key: whatever runs twice, a recipient gets one row per issue.
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="newsletters_delivery_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values),
                name="newsletters_delivery_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["issue", "status"], name="nl_delivery_status_idx")]

    def __str__(self):
        return f"{self.issue_id} to {self.email or '(erased)'}: {self.status}"


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", "Hard bounce"
    COMPLAINED = "complained", "Spam complaint"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed at the ESP"
    MANUAL = "manual", "Added by hand"


class Suppression(models.Model):
    """An address no newsletter is ever sent to again (hard bounce, complaint, by hand)."""

    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-case.")
    reason = models.CharField(max_length=20, choices=SuppressionReason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.get_reason_display()})"


class LinkClick(models.Model):
    """Clicks on one link of one issue (counted through our signed redirect; no IP kept)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="clicks")
    url = models.URLField(max_length=1000)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "url"], name="newsletters_click_once")
        ]

    def __str__(self):
        return f"{self.url} ({self.count})"
