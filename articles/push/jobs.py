"""Web push's recurring job (run once per period across all task workers)."""

from datetime import timedelta

from django.utils import timezone

from articles.background.recurring import recurring
from articles.push import sending
from articles.push.models import PushBatch, PushSend, SendStatus


@recurring("push-sweep", every=timedelta(seconds=30))
def sweep():
    """Give batches whose worker died back to the queue, restart a send whose chains all
    stopped, and add up finished sends."""
    sending.reclaim_stale()
    for send_id in PushSend.objects.filter(status=SendStatus.SENDING).values_list("pk", flat=True):
        if sending.finish_if_done(send_id=send_id):
            continue
        batches = PushBatch.objects.filter(send_id=send_id)
        if not batches.filter(status=SendStatus.SENDING).exists():
            sending.start_chains(send_id=send_id)
    stuck = timezone.now() - timedelta(seconds=60)  # its prepare task was lost
    queued = PushSend.objects.filter(status=SendStatus.QUEUED, created_at__lt=stuck)
    for send_id in queued.values_list("pk", flat=True):
        sending.prepare_send.enqueue(send_id=send_id)
