"""Mail to the people who need to know about a transition."""

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage

from articles import roles
from articles.background.mail import send_once
from articles.models import (
    Article,
    Author,
)
from articles.publication import absolute_url, get_publication


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
