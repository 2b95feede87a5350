"""Notification mail that reaches each recipient at most once, however often its task runs.

A task may run again after its worker died or lost the database half-way, so before sending,
each recipient is claimed with a `SentMail` row (unique per notification key and recipient)
in its own committed transaction. Recipients already claimed are left out; if the send fails
the claims are released, so the retry mails them. A worker killed between the claim and the
send loses that mail rather than sending it twice (the row keeps `sent_at` empty).
"""

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from articles.background.models import SentMail


def claim(*, key: str, recipients) -> list[str]:
    """Record `recipients` as mailed for `key`; return those not recorded before."""
    claimed = []
    with transaction.atomic():
        for recipient in dict.fromkeys(recipients):
            _, created = SentMail.objects.get_or_create(key=key, recipient=recipient)
            if created:
                claimed.append(recipient)
    return claimed


def send_once(message: EmailMessage, *, key: str) -> list[str]:
    """Send `message` to those of its `to` recipients that have not had notification `key`
    yet; return who it was sent to."""
    recipients = claim(key=key, recipients=message.to)
    if not recipients:
        return []
    message.to = recipients
    try:
        message.send()
    except BaseException:
        SentMail.objects.filter(key=key, recipient__in=recipients, sent_at=None).delete()
        raise
    SentMail.objects.filter(key=key, recipient__in=recipients).update(sent_at=timezone.now())
    return recipients
