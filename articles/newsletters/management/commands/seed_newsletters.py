"""The demo's newsletters (`manage.py seed_demo` runs this): "Morning briefing" (offered
under every article) and "Breaking", a few confirmed demo readers, and one sent issue of the
newest published stories with its delivery record, so the admin's reports have something to
show. Running it again adds nothing twice."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from articles.newsletters import conf, services
from articles.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Newsletter,
    Subscriber,
    Subscription,
    SubscriptionStatus,
)

NEWSLETTERS = [
    {
        "slug": "morning-briefing",
        "name": "Morning briefing",
        "description": "The stories that matter, before breakfast.",
        "schedule": "Weekdays at 7:00",
        "is_offered_on_articles": True,
        "position": 0,
    },
    {
        "slug": "breaking",
        "name": "Breaking",
        "description": "Only when big news breaks.",
        "schedule": "",
        "is_breaking": True,
        "position": 1,
    },
]
READERS = [f"demo.reader{n}@example.com" for n in range(1, 9)]
ISSUE_SUBJECT = "Your morning briefing"


class Command(BaseCommand):
    help = "Create the demo newsletters, readers and one sent issue (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        newsletters = []
        for fields in NEWSLETTERS:
            newsletter, made = Newsletter.objects.get_or_create(
                slug=fields["slug"], defaults=fields
            )
            newsletters.append(newsletter)
            created += made
        now = timezone.now()
        morning = newsletters[0]
        for n, email in enumerate(READERS):
            subscriber, _ = Subscriber.objects.get_or_create(email=email)
            for newsletter in newsletters[: 1 + n % 2]:
                Subscription.objects.get_or_create(
                    subscriber=subscriber,
                    newsletter=newsletter,
                    defaults={
                        "status": SubscriptionStatus.ACTIVE,
                        "consent_form": "demo",
                        "consent_wording_version": conf.CONSENT_VERSION,
                        "confirmed_at": now,
                    },
                )
        if not Issue.objects.filter(newsletter=morning, subject=ISSUE_SUBJECT).exists():
            created += self.sent_issue(morning, now)
        return str(created)

    def sent_issue(self, newsletter, now) -> int:
        stories = list(Article.objects.published().order_by("-published_at")[:4])
        if not stories:
            return 0
        issue = Issue.objects.create(
            newsletter=newsletter,
            subject=ISSUE_SUBJECT,
            preheader="What happened overnight, in four stories.",
            introduction="Good morning. Here is what our reporters found overnight.",
        )
        services.set_issue_articles(issue=issue, article_ids=[a.pk for a in stories])
        # The demo records the send rather than mailing example.com addresses.
        statuses = [DeliveryStatus.DELIVERED] * 6 + [DeliveryStatus.SENT, DeliveryStatus.BOUNCED]
        rows = Subscription.objects.active().filter(newsletter=newsletter)
        for n, subscription in enumerate(rows.select_related("subscriber")):
            Delivery.objects.get_or_create(
                issue=issue,
                subscriber=subscription.subscriber,
                defaults={
                    "email": subscription.subscriber.email,
                    "status": statuses[n % len(statuses)],
                    "sent_at": now,
                    "opened_at": now if n % 3 == 0 else None,
                    "message_id": f"<demo.{issue.pk}.{subscription.subscriber_id}@example.com>",
                },
            )
        Issue.objects.filter(pk=issue.pk).update(
            status=IssueStatus.SENT, send_started_at=now, sent_at=now
        )
        return 1
