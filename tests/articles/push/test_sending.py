"""Sends end to end against a push service on loopback (tests/articles/push/pushservice.py)
that checks the VAPID token and decrypts every message: payload, headers, pruning, retries,
counts, exactly once when a worker dies mid-batch."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from articles.publication import absolute_url
from articles.push import sending, services
from articles.push.models import (
    PushBatch,
    PushSend,
    PushSubscription,
    PushTopic,
    SendStatus,
)
from tests.articles.push.keys import PRIVATE, PUBLIC, push_on
from tests.articles.push.pushservice import PushService
from tests.factories import SectionFactory, UserFactory


def subscribe(client, *topics):
    sub = PushSubscription.objects.create(
        endpoint=client.endpoint, p256dh=client.p256dh, auth=client.auth_b64
    )
    PushTopic.objects.bulk_create([PushTopic(subscription=sub, topic=t) for t in topics])
    return sub


class PushServiceMixin:
    def setUp(self):
        super().setUp()
        self.service = PushService(PUBLIC)
        self.addCleanup(self.service.stop)
        settings = push_on(NEWSROOM_PUSH_BATCH_SIZE=3)
        settings.enable()
        self.addCleanup(settings.disable)


class SendTests(PushServiceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="pusheditor", role="Editor")
        cls.writer = UserFactory(username="pushwriter", role="Writer")
        cls.section = SectionFactory(slug="world")

    def send(self, **kwargs):
        kwargs = {"topic": "breaking", "title": "Breaking", "body": "Quake hits the coast",
                  "url": "/2026/12/08/quake/", "by": self.editor, **kwargs}  # fmt: skip
        with self.captureOnCommitCallbacks(execute=True):
            send = services.send_notification(**kwargs)
        send.refresh_from_db()
        return send

    def test_every_subscriber_of_the_topic_gets_the_decrypted_payload_once(self):
        readers = [self.service.client() for _ in range(7)]
        for reader in readers:
            subscribe(reader, "breaking")
        other = self.service.client()
        subscribe(other, "section:world")
        send = self.send(ttl=600, urgency="high")
        assert (send.status, send.total, send.delivered, send.failed) == ("done", 7, 7, 0)
        got = self.service.received
        assert sorted(r.token for r in got) == sorted(r.endpoint.rsplit("/", 1)[1] for r in readers)
        assert all(r.status == 201 and r.error == "" for r in got)
        assert {json.dumps(r.payload, sort_keys=True) for r in got} == {
            json.dumps(
                {"title": "Breaking", "body": "Quake hits the coast",
                 "url": absolute_url("/2026/12/08/quake/"), "tag": f"push-{send.pk}"},
                sort_keys=True,
            )
        }  # fmt: skip
        assert absolute_url("/2026/12/08/quake/").startswith("http")
        assert {r.headers["TTL"] for r in got} == {"600"}
        assert {r.headers["Urgency"] for r in got} == {"high"}
        assert {r.headers["Content-Encoding"] for r in got} == {"aes128gcm"}
        # Batches of 3: one VAPID token per origin per batch, so 3 tokens for 7 messages.
        tokens = {r.headers["Authorization"] for r in got}
        assert len(tokens) == PushBatch.objects.filter(send=send).count() == 3

    def test_gone_subscriptions_are_pruned_and_counted(self):
        ok = [self.service.client() for _ in range(2)]
        gone = self.service.client("gone")
        missing = self.service.client("missing")
        for reader in [*ok, gone, missing]:
            subscribe(reader, "breaking")
        send = self.send()
        assert (send.delivered, send.failed, send.pruned, send.total) == (2, 0, 2, 4)
        left = set(PushSubscription.objects.values_list("endpoint", flat=True))
        assert left == {r.endpoint for r in ok}
        assert not PushTopic.objects.filter(subscription__endpoint=gone.endpoint).exists()

    def test_429_is_retried_and_500_fails_after_its_retries(self):
        busy = self.service.client("busy-once")
        broken = self.service.client("broken")
        subscribe(busy, "breaking")
        subscribe(broken, "breaking")
        send = self.send()
        assert (send.delivered, send.failed, send.pruned) == (1, 1, 0)
        statuses = [r.status for r in self.service.received if r.token in busy.endpoint]
        assert statuses == [429, 201]
        broken_tries = [r for r in self.service.received if r.token in broken.endpoint]
        assert [r.status for r in broken_tries] == [500, 500, 500]  # 1 + NEWSROOM_PUSH_RETRIES
        assert PushSubscription.objects.filter(endpoint=broken.endpoint).exists()

    def test_a_section_topic_reaches_only_that_section(self):
        world = self.service.client()
        breaking = self.service.client()
        subscribe(world, "section:world", "live:12")
        subscribe(breaking, "breaking")
        send = self.send(topic="section:world", urgency="normal", ttl=60)
        assert (send.total, send.delivered) == (1, 1)
        assert [r.token for r in self.service.received] == [world.endpoint.rsplit("/", 1)[1]]
        assert self.service.received[0].headers["Urgency"] == "normal"

    def test_no_subscribers_finishes_at_once(self):
        send = self.send(topic="live:99")
        assert (send.status, send.total, send.delivered) == ("done", 0, 0)
        assert self.service.received == []

    def test_a_writer_cannot_send_and_nothing_is_recorded(self):
        subscribe(self.service.client(), "breaking")
        with pytest.raises(PermissionDenied):
            services.send_notification(
                topic="breaking", title="x", body="", url="/", by=self.writer
            )
        assert PushSend.objects.count() == 0
        assert self.service.received == []

    def test_bad_sends_are_refused_with_a_message(self):
        cases = [
            ({"topic": "everyone"}, "Unknown topic"),
            ({"url": "javascript:alert(1)"}, "link"),
            ({"ttl": -1}, "TTL"),
            ({"urgency": "now"}, "Urgency"),
            ({"title": "  "}, "title"),
        ]
        for change, words in cases:
            with self.subTest(change=change):
                kwargs = {"topic": "breaking", "title": "T", "url": "/", "by": self.editor,
                          **change}  # fmt: skip
                with pytest.raises(ValidationError, match=words):
                    services.send_notification(**kwargs)
        assert PushSend.objects.count() == 0

    def test_without_keys_push_is_off(self):
        with push_on(NEWSROOM_VAPID_PRIVATE_KEY=""):
            with pytest.raises(ValidationError, match="not set up"):
                services.send_notification(topic="breaking", title="T", url="/", by=self.editor)
        assert PushSend.objects.count() == 0

    def test_a_batch_whose_worker_lost_its_lease_resumes_after_its_cursor(self):
        readers = [self.service.client() for _ in range(3)]
        for reader in readers:
            subscribe(reader, "breaking")
        send = PushSend.objects.create(topic="breaking", title="T", url="/", ttl=60,
                                       created_by=self.editor)  # fmt: skip
        sending.make_batches(send_id=send.pk)
        batch = sending.claim_batch(send_id=send.pk)
        # The worker answered the first reader, then died (no "finally"): cursor moved once.
        first = PushSubscription.objects.order_by("pk").first()
        sender = sending.Sender(PushSend.objects.get(pk=send.pk))
        assert sender.deliver(first.endpoint, first.p256dh, first.auth) == sending.DELIVERED
        with connection.cursor() as cursor:
            cursor.execute(sending.MOVE_SQL, [first.pk, 1, 0, 0, batch.pk, batch.claim])
        assert sending.claim_batch(send_id=send.pk) is None  # still leased
        later = timezone.now() + timedelta(seconds=600)
        assert sending.reclaim_stale(send_id=send.pk, now=later) == 1
        sending.send_batches.call(send_id=send.pk)
        send.refresh_from_db()
        assert (send.status, send.delivered, send.failed) == ("done", 3, 0)
        tokens = [r.token for r in self.service.received]
        assert sorted(tokens) == sorted(r.endpoint.rsplit("/", 1)[1] for r in readers)

    def test_the_old_claim_cannot_move_a_reclaimed_batch(self):
        subscribe(self.service.client(), "breaking")
        send = PushSend.objects.create(topic="breaking", title="T", url="/", ttl=60)
        sending.make_batches(send_id=send.pk)
        old = sending.claim_batch(send_id=send.pk)
        sending.reclaim_stale(now=timezone.now() + timedelta(seconds=600))
        new = sending.claim_batch(send_id=send.pk)
        assert new.claim != old.claim
        with connection.cursor() as cursor:
            cursor.execute(sending.MOVE_SQL, [old.last_id, 1, 0, 0, old.pk, old.claim])
            assert cursor.rowcount == 0
        new.refresh_from_db()
        assert (new.answered_through, new.delivered) == (old.first_id - 1, 0)


WORKER = """
import os, sys, time
import django
django.setup()
from articles.push import sending
from articles.push.models import PushSend
send = PushSend.objects.get(pk=int(sys.argv[1]))
batch = sending.claim_batch(send_id=send.pk)
real = sending.Sender.deliver
def slow(self, *args):
    time.sleep(0.5)
    outcome = real(self, *args)
    print("answered", flush=True)
    return outcome
sending.Sender.deliver = slow
sending.run_batch(send=send, batch=batch)
"""


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a second process needs a database it can share (PostgreSQL)",
)
class KilledWorkerTests(PushServiceMixin, TransactionTestCase):
    def test_a_worker_killed_mid_batch_leaves_no_reader_twice_and_none_out(self):
        readers = [self.service.client() for _ in range(6)]
        for reader in readers:
            subscribe(reader, "breaking")
        with push_on(NEWSROOM_PUSH_BATCH_SIZE=6):
            send = PushSend.objects.create(topic="breaking", title="T", url="/", ttl=60)
            sending.make_batches(send_id=send.pk)
        name = connection.settings_dict["NAME"]
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
        env = {**os.environ, "DATABASE_URL": url, "NEWSROOM_VAPID_PUBLIC_KEY": PUBLIC,
               "NEWSROOM_VAPID_PRIVATE_KEY": PRIVATE,
               "NEWSROOM_VAPID_SUBJECT": "mailto:desk@example.com",
               "NEWSROOM_PUSH_ALLOW_LOOPBACK_HTTP": "1",
               "DJANGO_SETTINGS_MODULE": "newsroom.settings"}  # fmt: skip
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", WORKER, str(send.pk)],
            env=env, cwd=Path(__file__).resolve().parents[3], stdout=subprocess.PIPE,
        )  # fmt: skip
        answered = 0
        while answered < 3:
            line = worker.stdout.readline()
            assert line, "the worker stopped before it was killed"
            answered += line.startswith(b"answered")
        time.sleep(0.2)  # the third answer's cursor move (microseconds), not the fourth send
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        worker.stdout.close()
        batch = PushBatch.objects.get(send=send)
        assert batch.status == SendStatus.SENDING  # as the dead worker left it
        assert (batch.delivered, batch.answered_through) == (3, batch.first_id + 2)
        assert len(self.service.received) == 3
        sending.reclaim_stale(now=timezone.now() + timedelta(seconds=600))
        with push_on():
            sending.send_batches.call(send_id=send.pk)
        send.refresh_from_db()
        assert (send.status, send.delivered, send.failed) == ("done", 6, 0)
        tokens = [r.token for r in self.service.received]
        assert sorted(tokens) == sorted(r.endpoint.rsplit("/", 1)[1] for r in readers)
