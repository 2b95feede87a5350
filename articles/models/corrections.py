"""Corrections and updates editors add to published articles."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from articles.models.articles import Article, CorrectionKind, store_lists


class CorrectionQuerySet(models.QuerySet):
    def public(self):
        """Notes on articles readers may see (`Article.objects.published()`), newest first."""
        return (
            self.filter(article__in=Article.objects.published())
            .select_related("article__section")
            .order_by("-created_at", "-pk")
        )


class Correction(models.Model):
    """A correction, clarification, editor's note or update on a published article.

    Append-only: readers rely on the record, so it is never edited or deleted in the admin.
    """

    Kind = CorrectionKind

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField(
        help_text="Shown to readers at the foot of the article and on the corrections page, "
        "e.g. “An earlier version of this article misstated the date of the summit.” "
        "Plain text; it cannot be changed once added."
    )
    created_at = models.DateTimeField("time", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["-created_at"], name="correction_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CorrectionKind.values), name="correction_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.article}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#correction-{self.pk}"


def refresh_notes(article_ids) -> None:
    """Rewrite `Article.correction_list` of these articles from their corrections (after any
    correction is saved or deleted: the article page reads them from it, not by a query)."""
    article_ids = set(article_ids)
    rows = (
        Correction.objects.filter(article_id__in=article_ids)
        .order_by("created_at", "pk")
        .values_list("article_id", "pk", "kind", "text", "created_at")
    )
    store_lists(
        "correction_list",
        article_ids,
        (
            (a, {"id": pk, "kind": kind, "text": text, "created_at": at.isoformat()})
            for a, pk, kind, text, at in rows
        ),
    )


def _correction_changed(sender, instance, **kwargs):
    refresh_notes([instance.article_id])


def connect_note_signals() -> None:
    """Keep `Article.correction_list` in step with corrections saved or deleted one by one."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_correction_changed, sender=Correction, dispatch_uid="notes-save")
    post_delete.connect(_correction_changed, sender=Correction, dispatch_uid="notes-delete")
