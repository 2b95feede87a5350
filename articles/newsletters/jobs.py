"""The newsletters' recurring job (run once per period across all task workers)."""

from datetime import timedelta

from django.utils import timezone

from articles.background.recurring import recurring
from articles.newsletters import conf, sending, services
from articles.newsletters.models import Delivery, DeliveryStatus, Issue, IssueStatus


@recurring("newsletters-sweep", every=timedelta(seconds=30))
def sweep():
    """Start scheduled issues that are due, give the rows of batches whose worker died back
    to the queue, restart a send whose chains all stopped, and mark finished sends sent."""
    services.start_due()
    sending.reclaim_stale()
    now = timezone.now()
    sends = Issue.objects.filter(status=IssueStatus.SENDING)
    stuck = now - timedelta(seconds=conf.lease_seconds())
    for issue_id in sends.filter(rows_made_at=None, send_started_at__lt=stuck).values_list(
        "pk", flat=True
    ):
        # The worker making the rows died: make the missing ones (idempotent) and go on.
        sending.prepare_send.enqueue(issue_id=issue_id)
    for issue_id in sends.exclude(rows_made_at=None).values_list("pk", flat=True):
        rows = Delivery.objects.filter(issue_id=issue_id)
        if sending.finish_if_done(issue_id=issue_id):
            continue
        if not rows.filter(status=DeliveryStatus.SENDING).exists():
            # Queued rows and no batch holding any: the chains died with their workers.
            sending.start_chains(issue_id=issue_id)
