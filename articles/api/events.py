"""Webhook events from the workflow's own records, so the services never import the API.

Every transition writes an `AuditEntry` (publish, unpublish, the scheduler's flips, a
correction); every saved edit writes a `Revision` ("Edited"). Their `post_save` signals are
turned into events here, and `services.dispatch` sends them after the transaction commits.
"""

from django.db.models.signals import post_save

from articles.api.models import WebhookEvent
from articles.models import Article, AuditEntry, Correction, Revision
from articles.publication import absolute_url

PUBLISHING = {"publish", "scheduled_publish"}
UNPUBLISHING = {"unpublish", "scheduled_unpublish"}
EDIT_REASON = "Edited"  # services.record_edit's reason for an edit (admin and API)


def article_summary(article: Article) -> dict:
    """What an event says about a live article (what readers can already see)."""
    return {
        "id": article.pk,
        "headline": article.headline,
        "url": absolute_url(article.get_absolute_url()),
        "api_url": absolute_url(f"/api/v1/articles/{article.pk}"),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "updated_at": article.updated_at.isoformat() if article.updated_at else None,
    }


def _is_public(article_id) -> bool:
    return Article.objects.published().filter(pk=article_id).exists()


def _audited(sender, instance, created, **kwargs):
    from articles.api.services import dispatch

    if not created:
        return
    if instance.action in PUBLISHING:
        dispatch(WebhookEvent.ARTICLE_PUBLISHED, article_summary(instance.article))
    elif instance.action in UNPUBLISHING:
        # Only the id: the article is no longer public.
        dispatch(WebhookEvent.ARTICLE_UNPUBLISHED, {"id": instance.article_id})
    elif instance.action == "correction":
        correction = (
            Correction.objects.filter(article_id=instance.article_id).order_by("-pk").first()
        )
        if correction is not None:
            dispatch(
                WebhookEvent.CORRECTION_ADDED,
                {
                    "id": correction.pk,
                    "kind": correction.kind,
                    "text": correction.text,
                    "created_at": correction.created_at.isoformat(),
                    "article": article_summary(instance.article),
                },
            )


def _revised(sender, instance, created, **kwargs):
    from articles.api.services import dispatch

    if created and not instance.is_autosave and instance.reason == EDIT_REASON:
        if _is_public(instance.article_id):
            dispatch(WebhookEvent.ARTICLE_UPDATED, article_summary(instance.article))


def connect() -> None:
    post_save.connect(_audited, sender=AuditEntry, dispatch_uid="api-webhooks-audit")
    post_save.connect(_revised, sender=Revision, dispatch_uid="api-webhooks-revision")
