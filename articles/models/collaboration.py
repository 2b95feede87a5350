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
    """Who has an article's change form open (a warning for others, never a hard lock)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="edit_lock")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.user} editing {self.article}"
