"""Working together on an article: share-preview links and soft edit locks."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.models.articles import Article


class PreviewToken(models.Model):
    """A share-preview link for one article: works without an account until it expires."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_tokens")
    key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview link for {self.article}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class EditLock(models.Model):
    """Who has an article's change form open (a warning for the others, never a hard lock)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="edit_locks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One row per person with the form open: everyone is told about everyone else.
            models.UniqueConstraint(fields=["article", "user"], name="editlock_article_user_uniq")
        ]

    def __str__(self):
        return f"{self.user} editing {self.article}"


class Autosave(models.Model):
    """A writer's unsaved changes to one article (or to a new one), kept privately.

    The article itself is never touched: no status change, no version bump, nothing readers
    see. The copy is offered back ("Restore unsaved changes?") on the next visit and dropped
    when its owner saves the article or discards it.
    """

    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(help_text="The form's editorial fields as typed (body sanitised).")
    loaded_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The article version the form was loaded at."
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=models.Q(article__isnull=False),
                name="autosave_one_per_article",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(article__isnull=True),
                name="autosave_one_new_article",
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.article or 'a new article'} by {self.user}"
