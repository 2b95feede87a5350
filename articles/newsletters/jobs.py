"""The newsletters' recurring job (run once per period across all task workers)."""

from datetime import timedelta

from articles.background.recurring import recurring
from articles.newsletters import sending
from articles.newsletters.models import Delivery, DeliveryStatus, Issue, IssueStatus


@recurring("newsletters-sweep", every=timedelta(seconds=30))
def sweep():
    """Give the rows of batches whose worker died back to the queue, restart a send whose
    chains all stopped, and mark finished sends sent."""
    sending.reclaim_stale()
    for issue_id in Issue.objects.filter(status=IssueStatus.SENDING).values_list("pk", flat=True):
        rows = Delivery.objects.filter(issue_id=issue_id)
        if sending.finish_if_done(issue_id=issue_id):
            continue
        if not rows.filter(status=DeliveryStatus.SENDING).exists():
            # Queued rows and no batch holding any: the chains died with their workers.
            sending.start_chains(issue_id=issue_id)
