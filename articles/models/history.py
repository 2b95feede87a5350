"""What happened to an article: revisions, the audit log, old slugs."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.models.articles import Article


class Revision(models.Model):
    """A snapshot of an article's editorial fields after a save or a transition. Append-only,

    except for autosaves: each author has at most one autosave revision per draft, replaced by
    their next autosave and dropped when they save (the save writes a real revision).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_autosave = models.BooleanField(
        default=False,
        help_text="What the author had typed but not saved yet: the article itself is unchanged.",
    )

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_unique_number"),
            models.UniqueConstraint(
                fields=["article", "created_by"],
                condition=models.Q(is_autosave=True),
                name="revision_one_autosave_per_author",
            ),
        ]

    def __str__(self):
        return f"Revision {self.number} of {self.article}"


class AuditEntry(models.Model):
    """Who moved which article from which status to which, when, and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the scheduler made the change.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["article", "-created_at"], name="audit_article_idx")]

    def __str__(self):
        return f"{self.action}: {self.article}"


class OldSlug(models.Model):
    """A slug a published article used to have; its old address redirects to the new one."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.slug
