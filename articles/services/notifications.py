"""Mail to the people who need to know about a transition, sent by the task worker
(`send_notification`, queued after the commit by `enqueue_notification`)."""

import logging
import uuid

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task

from articles import roles
from articles.background.mail import send_once
from articles.background.retries import retried
from articles.models import (
    Article,
    Author,
)
from articles.publication import absolute_url, get_publication

logger = logging.getLogger(__name__)


def _editor_emails():
    users = get_user_model().objects.filter(groups__name=roles.EDITOR, is_active=True)
    return sorted({u.email for u in users if u.email})


def _byline_emails(article):
    authors = Author.objects.filter(bylines__article=article, user__isnull=False).select_related(
        "user"
    )
    return sorted({a.user.email for a in authors if a.user.email and a.user.is_active})


def notify(*, article: Article, action: str, note: str = "", key: str = "") -> None:
    """Mail the people who need to know about a transition (runs after the commit). With a
    `key` (the notification's own), each recipient gets it at most once however often this
    runs (`articles.background.mail`)."""
    site = get_publication().name
    if action == "submit":
        recipients, subject = _editor_emails(), f"[{site}] Ready for review: {article.headline}"
        body = f"“{article.headline}” is waiting for review."
    elif action == "send_back":
        recipients, subject = _byline_emails(article), f"[{site}] Changes requested: {article}"
        body = f"An editor sent “{article.headline}” back with this note:\n\n{note}"
    elif action in ("publish", "scheduled_publish"):
        recipients, subject = _byline_emails(article), f"[{site}] Published: {article.headline}"
        body = f"“{article.headline}” is live at {absolute_url(article.get_absolute_url())}"
    else:
        return
    if recipients and key:
        send_once(EmailMessage(subject, body, None, recipients), key=key)
    elif recipients:
        EmailMessage(subject, body, None, recipients).send()


@task
def send_notification(
    *, article_id: int, action: str, note: str = "", key: str = "", attempt: int = 1
):
    """Mail the people who need to know about a transition (each at most once per `key`)."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return
    with retried(
        send_notification,
        attempt=attempt,
        article_id=article_id,
        action=action,
        note=note,
        key=key,
    ):
        notify(article=article, action=action, note=note, key=key)


def enqueue_notification(*, article: Article, action: str, note: str = "") -> None:
    """Queue the transition's mail for after the commit (nothing if the change rolls back)."""
    article_id = article.pk
    key = uuid.uuid4().hex  # the retries and re-runs of this mail share it

    def enqueue():
        # Queueing must never turn a saved change into an error page.
        try:
            send_notification.enqueue(article_id=article_id, action=action, note=note, key=key)
        except Exception:
            logger.exception("Could not queue the %s mail for article %s", action, article_id)

    transaction.on_commit(enqueue)
