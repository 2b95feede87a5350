"""Sending a notification to a topic: batches of subscription ids with leased cursors.

1. `prepare_send` cuts the topic's subscriptions (by id, as they are at that moment) into
   batches of `batch_size()` ids, one `PushBatch` row each, and starts `parallel_batches()`
   chains of `send_batches`.
2. A chain claims one queued batch at a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
   workers never share one) with a lease, and sends to its subscriptions in id order. The
   moment the push service answers, the batch's cursor moves past that subscription and its
   count goes up, in one single-row UPDATE that also checks the claim, so the cursor and the
   counts never disagree.
3. A worker that dies leaves its batch `sending`; when the lease runs out (the next chain or the
   sweep, `jobs.py`) it goes back to the queue and the next worker starts after the cursor.
   Only the one message on the wire at the moment of death can go out twice.
4. Encryption (RFC 8291, aes128gcm, pywebpush's WebPusher.encode) is per message, as it must
   be; the VAPID token (RFC 8292) is signed once per push service origin per batch, and the
   HTTP connections are kept alive per origin across batches. Subscriptions answered 404 or
   410 are deleted at the end of the batch, in one statement; 429 and 5xx are retried a few
   times (Retry-After, capped), then counted as failed.
"""

import json
import logging
import secrets
import time
from contextlib import contextmanager
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import urllib3
from django.db import connection, transaction
from django.db.models import Sum
from django.tasks import task
from django.utils import timezone
from py_vapid import Vapid02
from pywebpush import WebPusher

from articles.background import leases
from articles.background.retries import retried
from articles.publication import absolute_url
from articles.push import conf
from articles.push.models import PushBatch, PushSend, PushSubscription, PushTopic, SendStatus

logger = logging.getLogger(__name__)

DELIVERED, FAILED, GONE = "delivered", "failed", "gone"
CHAIN_SECONDS = 300  # a chain task hands over to a fresh task after this long
LEASE_MARGIN_SECONDS = 15
_pool: urllib3.PoolManager | None = None


def pool() -> urllib3.PoolManager:
    """This process's keep-alive connections, one pool per push service origin."""
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(
            num_pools=50, maxsize=2, retries=False, timeout=urllib3.Timeout(conf.timeout())
        )
    return _pool


def origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def payload(send: PushSend) -> bytes:
    """What the service worker shows (static/push/sw.js): title, body, the story's link."""
    url = absolute_url(send.url) if send.url.startswith("/") else send.url
    data = {"title": send.title, "body": send.body, "url": url, "tag": f"push-{send.pk}"}
    return json.dumps(data, separators=(",", ":")).encode()


class Sender:
    """Sends one send's notifications for one batch: one VAPID token per origin."""

    def __init__(self, send: PushSend):
        self.body = payload(send)
        self.headers = {
            "TTL": str(send.ttl),
            "Urgency": send.urgency,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        }
        self.vapid = Vapid02.from_raw(conf.private_key().encode())
        self.tokens: dict[str, str] = {}
        self.pool = pool()

    def authorization(self, push_origin: str) -> str:
        token = self.tokens.get(push_origin)
        if token is None:
            claims = {"aud": push_origin, "exp": int(time.time()) + 12 * 3600,
                      "sub": conf.subject()}  # fmt: skip
            token = self.tokens[push_origin] = self.vapid.sign(claims)["Authorization"]
        return token

    def encrypt(self, endpoint: str, p256dh: str, auth: str) -> bytes:
        """RFC 8291 aes128gcm through pywebpush: a fresh ECDH key and salt per message."""
        info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        return WebPusher(info).encode(self.body, content_encoding="aes128gcm")["body"]

    def deliver(self, endpoint: str, p256dh: str, auth: str) -> str:
        """POST one encrypted message; DELIVERED, GONE (404/410) or FAILED."""
        try:
            body = self.encrypt(endpoint, p256dh, auth)
        except Exception:  # a key the browser made wrongly: nothing can reach it
            logger.warning("Could not encrypt for push subscription", exc_info=True)
            return FAILED
        headers = {**self.headers, "Authorization": self.authorization(origin(endpoint))}
        for attempt in range(conf.retries() + 1):
            wait = 0.5 * 2**attempt
            try:
                response = self.pool.request(
                    "POST", endpoint, body=body, headers=headers, redirect=False,
                    preload_content=True,
                )  # fmt: skip
                status = response.status
                wait = retry_after(response.headers.get("Retry-After"), wait)
            except urllib3.exceptions.HTTPError as exc:
                logger.info("Push service unreachable: %s", exc)
                status = None
            if status in (200, 201, 202):
                return DELIVERED
            if status in (404, 410):
                return GONE
            if status is not None and status != 429 and status < 500:
                return FAILED  # 400, 403, 413: retrying the same message will not help
            if attempt < conf.retries():
                time.sleep(min(wait, conf.retry_delay_cap()))
        return FAILED


def retry_after(value: str | None, default: float) -> float:
    if not value:
        return default
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return default


# --- batches ---------------------------------------------------------------------------------


def make_batches(*, send_id: int) -> None:
    """Cut the topic's subscriptions into batches (once), and mark the send sending."""
    size = conf.batch_size()
    with transaction.atomic():
        send = PushSend.objects.select_for_update().get(pk=send_id)
        if send.status != SendStatus.QUEUED:
            return
        ids = (
            PushTopic.objects.filter(topic=send.topic)
            .order_by("subscription_id")
            .values_list("subscription_id", flat=True)
        )
        batches, chunk, total = [], [], 0
        for subscription_id in ids.iterator(chunk_size=10_000):
            chunk.append(subscription_id)
            total += 1
            if len(chunk) == size:
                batches.append(_batch(send_id, chunk))
                chunk = []
        if chunk:
            batches.append(_batch(send_id, chunk))
        PushBatch.objects.bulk_create(batches, batch_size=1000)
        send.total = total
        send.status = SendStatus.SENDING if batches else SendStatus.DONE
        send.finished_at = None if batches else timezone.now()
        send.save(update_fields=["total", "status", "finished_at"])


def _batch(send_id: int, ids: list[int]) -> PushBatch:
    return PushBatch(send_id=send_id, first_id=ids[0], last_id=ids[-1],
                     answered_through=ids[0] - 1)  # fmt: skip


@task
def prepare_send(*, send_id: int, attempt: int = 1):
    """Make the send's batches, then start its chains."""
    with retried(prepare_send, attempt=attempt, send_id=send_id):
        make_batches(send_id=send_id)
        if PushSend.objects.filter(pk=send_id, status=SendStatus.SENDING).exists():
            start_chains(send_id=send_id)


def start_chains(*, send_id: int) -> None:
    for _ in range(conf.parallel_batches()):
        send_batches.enqueue(send_id=send_id)


def reclaim_stale(*, send_id: int | None = None, now=None) -> int:
    """Batches whose worker's lease ran out (it died) go back to the queue, cursor kept."""
    rows = PushBatch.objects.all() if send_id is None else PushBatch.objects.filter(send_id=send_id)
    return leases.release_expired(
        rows, sending=SendStatus.SENDING, queued=SendStatus.QUEUED, now=now
    )


def claim_batch(*, send_id: int, now=None) -> PushBatch | None:
    """Take the next queued batch of the send under a new claim, or None."""
    now = now or timezone.now()
    for _ in range(5):  # SQLite has no SKIP LOCKED: another worker may win the update
        claim = secrets.token_hex(8)
        with transaction.atomic():
            pk = (
                PushBatch.objects.filter(send_id=send_id, status=SendStatus.QUEUED)
                .order_by("first_id")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
                .first()
            )
            if pk is None:
                return None
            taken = PushBatch.objects.filter(pk=pk, status=SendStatus.QUEUED).update(
                status=SendStatus.SENDING,
                claim=claim,
                lease_until=now + timedelta(seconds=conf.lease_seconds()),
            )
        if taken:
            return PushBatch.objects.get(pk=pk)
    return None


@contextmanager
def quick_commits():
    """Each cursor move is its own commit; on PostgreSQL don't wait for the disk flush (a
    crash of the database server itself could lose the last fraction of a second of moves,
    and those few readers would get the notification twice)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


MOVE_SQL = (
    "UPDATE push_pushbatch SET answered_through = %s, delivered = delivered + %s,"
    " failed = failed + %s, pruned = pruned + %s WHERE id = %s AND claim = %s"
)


def run_batch(*, send: PushSend, batch: PushBatch, sender: Sender | None = None) -> bool:
    """Send to the batch's subscriptions after its cursor; True if the batch is finished."""
    sender = sender or Sender(send)
    lease = conf.lease_seconds()
    deadline = time.monotonic() + lease - min(LEASE_MARGIN_SECONDS, lease // 4)
    rows = list(
        PushSubscription.objects.filter(
            topics__topic=send.topic,
            pk__gt=batch.answered_through,
            pk__lte=batch.last_id,
        )
        .order_by("pk")
        .values_list("pk", "endpoint", "p256dh", "auth")
    )
    gone, finished, lost = [], True, False
    with quick_commits(), connection.cursor() as cursor:
        try:
            for pk, endpoint, p256dh, auth in rows:
                if time.monotonic() > deadline:
                    finished = False
                    break
                outcome = sender.deliver(endpoint, p256dh, auth)
                counts = (outcome == DELIVERED, outcome == FAILED, outcome == GONE)
                cursor.execute(MOVE_SQL, [pk, *map(int, counts), batch.pk, batch.claim])
                if cursor.rowcount != 1:  # the lease ran out and another worker took it
                    finished, lost = False, True
                    break
                if outcome == GONE:
                    gone.append(pk)
        finally:
            if gone:
                PushSubscription.objects.filter(pk__in=gone).delete()
            if not lost:
                PushBatch.objects.filter(pk=batch.pk, claim=batch.claim).update(
                    status=SendStatus.DONE if finished else SendStatus.QUEUED,
                    claim="",
                    lease_until=None,
                )
    return finished


def finish_if_done(*, send_id: int) -> bool:
    """Add up the batches' counts into the send once no batch is queued or being sent."""
    batches = PushBatch.objects.filter(send_id=send_id)
    if batches.exclude(status=SendStatus.DONE).exists():
        return False
    sums = batches.aggregate(d=Sum("delivered"), f=Sum("failed"), p=Sum("pruned"))
    return bool(
        PushSend.objects.filter(pk=send_id, status=SendStatus.SENDING).update(
            status=SendStatus.DONE,
            finished_at=timezone.now(),
            delivered=sums["d"] or 0,
            failed=sums["f"] or 0,
            pruned=sums["p"] or 0,
        )
    )


def progress(send: PushSend) -> dict:
    """Delivered, failed and pruned so far (the batches' counts while it is sending)."""
    if send.status != SendStatus.SENDING:
        return {"delivered": send.delivered, "failed": send.failed, "pruned": send.pruned}
    sums = send.batches.aggregate(d=Sum("delivered"), f=Sum("failed"), p=Sum("pruned"))
    return {"delivered": sums["d"] or 0, "failed": sums["f"] or 0, "pruned": sums["p"] or 0}


@task
def send_batches(*, send_id: int, attempt: int = 1):
    """Send batches of the send one after another, then hand over to a fresh task."""
    started = time.monotonic()
    with retried(send_batches, attempt=attempt, send_id=send_id):
        while time.monotonic() - started < CHAIN_SECONDS:
            send = PushSend.objects.filter(pk=send_id, status=SendStatus.SENDING).first()
            if send is None:
                return
            reclaim_stale(send_id=send_id)
            batch = claim_batch(send_id=send_id)
            if batch is None:
                finish_if_done(send_id=send_id)
                return
            run_batch(send=send, batch=batch)
    send_batches.enqueue(send_id=send_id)
