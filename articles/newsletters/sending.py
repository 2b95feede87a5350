"""Sending an issue: one delivery row per recipient, batches on the task queue, exactly once.

1. `prepare_send` makes the issue's delivery rows: one per active subscriber not on the
   suppression list, unique per issue × subscriber, so running it twice (or after a crash half
   way) adds only what is missing. Then it starts `parallel_batches()` chains of `send_batch`.
2. `send_batch` claims up to `batch_size()` queued rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`,
   so workers never share a row), marking them `sending` under its claim with a lease. It sends
   them on `conf.connections()` connections at once and marks each `sent`: over SMTP in the
   instant before the message's final dot (`wire.transmit`), through an ESP when its API
   answers (with the ESP's message id). Then it queues the next batch of its chain.
3. A batch run twice claims nothing it has not claimed itself; a sent row is never claimed again.
   A worker that dies mid-batch leaves its unsent rows `sending`; when the lease runs out (the
   next batch or the sweep, `jobs.py`) they go back to the queue; a message cut off before its
   final dot is dropped by the server. What is left of "at most once" is in
   docs/newsletters.md.
4. A paused issue stops at the end of the current batch; resuming queues the chains again.
"""

import logging
import queue
import secrets
import smtplib
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import timedelta

from anymail.exceptions import AnymailRecipientsRefused
from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from articles.background import leases
from articles.background.retries import retried
from articles.newsletters import conf, emails, wire
from articles.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscriber,
    Subscription,
    Suppression,
)

logger = logging.getLogger(__name__)

# A batch stops sending this long before its lease ends (a send may take the SMTP timeout).
LEASE_MARGIN_SECONDS = 30  # at most a quarter of the lease


class UnsendableAddress(ValueError):
    """An address plain SMTP cannot carry (a non-ASCII local part needs SMTPUTF8)."""


# Rows whose recipient is refused for good: the address is bad, retrying will not help.
PERMANENT = (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused, UnsendableAddress)

_rendered: dict[int, emails.RenderedIssue] = {}  # one issue per process, rendered once


def materialize(*, issue: Issue) -> int:
    """Make the missing delivery rows of `issue`; return how many rows it now has."""
    suppressed = Suppression.objects.values("email")
    recipients = (
        Subscription.objects.active()
        .filter(newsletter_id=issue.newsletter_id)
        .exclude(subscriber__email__in=suppressed)
        .order_by("subscriber_id")
        .values_list("subscriber_id", "subscriber__email")
    )
    chunk = []
    for subscriber_id, email in recipients.iterator(chunk_size=5000):
        chunk.append(Delivery(issue=issue, subscriber_id=subscriber_id, email=email))
        if len(chunk) == 5000:
            Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
    return issue.deliveries.count()


@task
def prepare_send(*, issue_id: int, attempt: int = 1):
    """Make the issue's delivery rows, then start its batch chains."""
    with retried(prepare_send, attempt=attempt, issue_id=issue_id):
        issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
        if issue.status != IssueStatus.SENDING:
            return
        if issue.rows_made_at is None:  # once: a resumed send adds nobody who joined since
            materialize(issue=issue)
            Issue.objects.filter(pk=issue_id).update(rows_made_at=timezone.now())
        start_chains(issue_id=issue_id)


def start_chains(*, issue_id: int):
    for _ in range(conf.parallel_batches()):
        send_batch.enqueue(issue_id=issue_id)


def reclaim_stale(*, issue_id: int | None = None, now=None) -> int:
    """Put rows whose batch's lease ran out (its worker died) back in the queue."""
    rows = (
        Delivery.objects.all() if issue_id is None else Delivery.objects.filter(issue_id=issue_id)
    )
    return leases.release_expired(
        rows, sending=DeliveryStatus.SENDING, queued=DeliveryStatus.QUEUED, now=now
    )


def claim_batch(*, issue_id: int, size: int, now=None) -> tuple[str, list[Delivery]]:
    """Take up to `size` queued rows of the issue for one batch; return the claim and rows."""
    now = now or timezone.now()
    claim = secrets.token_hex(8)
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(issue_id=issue_id, status=DeliveryStatus.QUEUED)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING,
            claim=claim,
            lease_until=now + timedelta(seconds=conf.lease_seconds()),
            updated_at=now,
        )
    rows = list(
        Delivery.objects.filter(claim=claim, status=DeliveryStatus.SENDING)
        .select_related("subscriber")
        .order_by("pk")
    )
    return claim, rows


def finish_if_done(*, issue_id: int) -> bool:
    """Mark the issue sent once no recipient is left queued or in a batch."""
    open_rows = Delivery.objects.filter(
        issue_id=issue_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    )
    if open_rows.exists():
        return False
    return bool(
        Issue.objects.filter(
            pk=issue_id, status=IssueStatus.SENDING, rows_made_at__isnull=False
        ).update(status=IssueStatus.SENT, sent_at=timezone.now())
    )


def rendered_issue(issue: Issue) -> emails.RenderedIssue:
    cached = _rendered.get(issue.pk)
    if cached is None or cached.issue.send_started_at != issue.send_started_at:
        _rendered.clear()
        cached = _rendered[issue.pk] = emails.render_issue(issue)
    return cached


def _skip_gone(*, issue: Issue, rows: list[Delivery]) -> list[Delivery]:
    """Leave out (as skipped) recipients suppressed or unsubscribed since the rows were made."""
    addresses = [row.email for row in rows]
    suppressed = set(
        Suppression.objects.filter(email__in=addresses).values_list("email", flat=True)
    )
    active = set(
        Subscription.objects.active()
        .filter(
            newsletter_id=issue.newsletter_id, subscriber_id__in=[r.subscriber_id for r in rows]
        )
        .values_list("subscriber_id", flat=True)
    )
    gone = [r.pk for r in rows if r.email in suppressed or r.subscriber_id not in active]
    if gone:
        Delivery.objects.filter(pk__in=gone).update(
            status=DeliveryStatus.SKIPPED,
            claim="",
            lease_until=None,
            error="Suppressed or unsubscribed before it went out.",
            updated_at=timezone.now(),
        )
    return [r for r in rows if r.pk not in set(gone)]


class Sender:
    """Sends one batch's messages on the mailer's one open connection.

    Plain SMTP gets the bytes from `wire.py` (the issue's message built once per batch and
    filled per recipient); an ESP's anymail backend, and an address that is not plain ASCII,
    get a message object from `emails.build_message`. Returns the message id to record.
    """

    def __init__(self, mailer, rendered: emails.RenderedIssue):
        self.mailer = mailer
        self.rendered = rendered
        self.mark_sql = _mark_sent_sql()
        self.template = None
        if isinstance(mailer, SMTPBackend) and mailer.connection is not None:
            self.template = wire.build(rendered)
            self.envelope_from = mailer.prep_address(self.template.from_email)
            mailer.connection.ehlo_or_helo_if_needed()

    def send(self, row: Delivery, *, mark: Callable) -> None:
        """Send `row`'s message, calling `mark(message id)` once it counts as handed over
        (over SMTP `mark(message id, end)`: record it, then write the final dot)."""
        to = emails.recipient(
            self.rendered, subscriber=row.subscriber or Subscriber(pk=0), email=row.email
        )
        if self.template is not None and wire.can_take(row.email):
            wire.transmit(
                self.mailer.connection,
                self.envelope_from,
                row.email,
                self.template.fill(to),
                mark_and_end=lambda end: mark(to.message_id, end),
            )
            return
        message = emails.build_message(self.rendered, to)
        if self.template is not None:
            try:
                self.mailer.prep_address(row.email)
            except ValueError as exc:
                raise UnsendableAddress(str(exc)) from exc
        self.mailer.send_messages([message])
        status = getattr(message, "anymail_status", None)
        mark((status.message_id if status else None) or to.message_id)


def _mark_sent_sql() -> str:
    """One row's "sent" mark as SQL: the ORM's query building cost 0.4 ms of CPU a message,
    a fifth of what the worker spends on one."""
    quote = connection.ops.quote_name
    columns = ("status", "message_id", "sent_at", "updated_at", "claim")
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    return (
        f"UPDATE {quote(Delivery._meta.db_table)} SET {assignments}, "  # noqa: S608 (names only)
        f"{quote('lease_until')} = NULL WHERE {quote('id')} = %s AND {quote('claim')} = %s"
    )


def _send_one(sender: Sender, cursor, desk, *, claim: str, row: Delivery) -> int:
    """Send one row's message and mark the row at once: 1 if sent, 0 if refused for good."""
    marked = []

    def mark(esp_id: str, end=None):
        now = timezone.now()
        params = [DeliveryStatus.SENT.value, str(esp_id)[:255], now, now, "", row.pk, claim]

        def record_then_end():
            # On one thread, with nothing between the commit and the final dot's send().
            cursor.execute(sender.mark_sql, params)
            marked.append(esp_id)
            if end is not None:
                end()

        desk.run(record_then_end)

    try:
        sender.send(row, mark=mark)
    except Exception as exc:
        # Marked before the final dot, then refused or cut off: undo the mark.
        permanent = isinstance(exc, PERMANENT) or (
            marked and isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500
        )
        rows = Delivery.objects.filter(pk=row.pk, claim=claim if not marked else "")
        if not permanent:
            # back to the queue
            desk.run(lambda: rows.update(status=DeliveryStatus.SENDING, claim=claim))
            raise
        error = f"{type(exc).__name__}: {exc}"[:2000]
        desk.run(
            lambda: rows.update(
                status=DeliveryStatus.FAILED,
                claim="",
                lease_until=None,
                error=error,
                updated_at=timezone.now(),
            )
        )
        return 0
    return 1


@contextmanager
def quick_marks():
    """Each row's "sent" mark is its own commit; on PostgreSQL don't wait for the disk flush.

    The commit is with the server the moment it returns, so a worker that dies still leaves
    every mark it made; only a crash of the database server itself could lose the last
    fraction of a second of marks (those recipients would get the issue again). Waiting for
    the flush cost 50 ms a message on a busy machine, more than everything else together.
    """
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


class _Desk:
    """Runs the sending threads' database work on the batch's own thread and connection (a
    test's transaction sees it; the task's `synchronous_commit` setting applies), one piece
    at a time; a sending thread waits for its piece (its row's mark) to be done."""

    def __init__(self):
        self.owner = threading.current_thread()
        self.jobs: queue.Queue = queue.Queue()

    def run(self, work):
        if threading.current_thread() is self.owner:
            return work()
        done: Future = Future()
        self.jobs.put((work, done))
        return done.result()

    def serve(self, threads):
        while any(thread.is_alive() for thread in threads) or not self.jobs.empty():
            try:
                work, done = self.jobs.get(timeout=0.01)
            except queue.Empty:
                continue
            try:
                done.set_result(work())
            except Exception as exc:  # handed to the sending thread, which raises it
                done.set_exception(exc)


def send_rows(*, issue: Issue, claim: str, rows: list[Delivery]) -> int:
    """Send the claimed rows, marking each as it is handed over; return the number sent.
    Stops early (rows back to the queue) before the claim's lease runs out.

    The rows are shared out over `conf.connections()` SMTP connections, one thread each: a
    message spends most of its time waiting for the server's answers, and on a busy machine
    for the server to be scheduled at all, so several connections keep both busy."""
    rendered = rendered_issue(issue)
    lease = conf.lease_seconds()
    deadline = time.monotonic() + lease - min(LEASE_MARGIN_SECONDS, lease // 4)
    desk, stop, errors, counts = _Desk(), threading.Event(), [], []

    def send_share(share, cursor):
        mailer = mailers[conf.mailer()]
        sent = 0
        try:
            mailer.open()
            sender = Sender(mailer, rendered)
            for row in share:
                if stop.is_set() or time.monotonic() > deadline:
                    break
                sent += _send_one(sender, cursor, desk, claim=claim, row=row)
        except Exception as exc:
            errors.append(exc)
            stop.set()
        finally:
            counts.append(sent)
            try:
                mailer.close()
            except Exception:  # a broken connection cannot be closed politely
                logger.warning("Closing the newsletter mail connection failed", exc_info=True)

    shares = max(1, min(conf.connections(), len(rows)))
    with quick_marks(), connection.cursor() as cursor:
        try:
            if shares == 1:
                send_share(rows, cursor)
            else:
                threads = [
                    threading.Thread(target=send_share, args=(rows[n::shares], cursor))
                    for n in range(shares)
                ]
                # Between a row's commit and its final dot the desk must not be switched out
                # for another thread (5 ms by default): a worker killed in that gap loses the
                # message. The sending threads block on their sockets often enough anyway.
                switch_interval = sys.getswitchinterval()
                sys.setswitchinterval(max(switch_interval, 0.05))
                try:
                    for thread in threads:
                        thread.start()
                    desk.serve(threads)
                    for thread in threads:
                        thread.join()
                finally:
                    sys.setswitchinterval(switch_interval)
        finally:
            # Whatever this batch did not send goes back to the queue for the next batch.
            Delivery.objects.filter(claim=claim, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.QUEUED, claim="", lease_until=None
            )
    if errors:
        raise errors[0]
    return sum(counts)


@task
def send_batch(*, issue_id: int, attempt: int = 1):
    """Send one batch of the issue, then queue the next (while the issue is sending)."""
    with retried(send_batch, attempt=attempt, issue_id=issue_id):
        issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
        if issue.status != IssueStatus.SENDING:
            return
        reclaim_stale(issue_id=issue_id)
        claim, rows = claim_batch(issue_id=issue_id, size=conf.batch_size())
        if not rows:
            finish_if_done(issue_id=issue_id)
            return
        rows = _skip_gone(issue=issue, rows=rows)
        send_rows(issue=issue, claim=claim, rows=rows)
    send_batch.enqueue(issue_id=issue_id)
