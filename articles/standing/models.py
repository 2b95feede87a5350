"""Standing pages: About, Contact, the Ethics policy, the Corrections policy — what readers
and the Trust Project expect to find at a stable address."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.richtext.sanitizer import clean_html


class PageStatus(models.TextChoices):
    """Where a standing page is on its way to readers (the same steps as an article's)."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


class Kind(models.TextChoices):
    ABOUT = "about", "About us"
    CONTACT = "contact", "Contact"
    ETHICS = "ethics", "Ethics policy"
    CORRECTIONS = "corrections", "Corrections policy"
    MASTHEAD = "masthead", "Masthead"
    OTHER = "other", "Other"


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages readers may see."""
        return self.filter(status=PageStatus.PUBLISHED)


class Page(models.Model):
    """A page that stands outside the news flow, at /<slug>/."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The page's address: /<slug>/ (e.g. about, ethics). Article, section and "
        "feed addresses come first, so avoid their words (tags, feed, search …).",
    )
    kind = models.CharField(
        max_length=20,
        choices=Kind,
        default=Kind.OTHER,
        help_text="What the page is for; the ethics and corrections policies are named in the "
        "publisher's structured data.",
    )
    body = models.TextField(blank=True, help_text="Cleaned like an article body when you save.")
    status = models.CharField(
        max_length=20,
        choices=PageStatus,
        default=PageStatus.DRAFT,
        editable=False,
        help_text="Changed only by the workflow's actions (submit, publish, unpublish).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        permissions = [("publish_page", "Can publish and unpublish standing pages")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PageStatus.values), name="standing_page_status_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = clean_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("standing:page", kwargs={"slug": self.slug})


class PageRevision(models.Model):
    """A standing page as it was after a save or a workflow step."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="page_revision_unique_number"),
        ]

    def __str__(self):
        return f"{self.page} #{self.number}"


class PageAuditEntry(models.Model):
    """One workflow step on a standing page: who moved it from which status to which."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["page", "-created_at", "-pk"]
        verbose_name_plural = "page audit entries"

    def __str__(self):
        return f"{self.page}: {self.action}"
