"""The ESP's tracking webhooks (Mailgun's format through anymail): a signed hard bounce or
complaint suppresses the address and marks the delivery; a forged one changes nothing."""

import base64
import hashlib
import hmac
import json
import time

from django.test import TestCase, override_settings

from articles.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
)
from tests.factories import IssueFactory, SubscriptionFactory

SIGNING_KEY = "test-signing-key"
URL = "/newsletters/esp/mailgun/tracking/"
AUTH = "Basic " + base64.b64encode(b"hooks:basic-secret").decode()


def event(kind, recipient, message_id, *, key=SIGNING_KEY, **extra):
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": kind,
            "recipient": recipient,
            "timestamp": time.time(),
            "id": "evt-1",
            "message": {"headers": {"message-id": message_id}},
            **extra,
        },
    }


@override_settings(
    ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": "hooks:basic-secret"}
)
class TrackingWebhookTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.sub = SubscriptionFactory(subscriber__email="reader@example.com")
        cls.issue = IssueFactory(newsletter=cls.sub.newsletter)
        cls.delivery = Delivery.objects.create(
            issue=cls.issue,
            subscriber=cls.sub.subscriber,
            email="reader@example.com",
            status=DeliveryStatus.SENT,
            message_id="<abc123@mg.example.com>",
        )

    def post(self, payload, auth=AUTH):
        return self.client.post(
            URL, json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth
        )

    def assert_unchanged(self):
        self.assertFalse(Suppression.objects.exists())
        self.assertEqual(Delivery.objects.get().status, DeliveryStatus.SENT)
        self.assertEqual(Subscription.objects.get().status, SubscriptionStatus.ACTIVE)

    def test_signed_hard_bounce_suppresses_and_marks_the_delivery(self):
        payload = event("failed", "reader@example.com", "abc123@mg.example.com",
                        severity="permanent", reason="bounce")  # fmt: skip
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(Suppression.objects.get().reason, "bounced")
        self.assertEqual(Delivery.objects.get().status, DeliveryStatus.BOUNCED)
        self.assertEqual(Subscription.objects.get().status, SubscriptionStatus.UNSUBSCRIBED)

    def test_soft_bounce_suppresses_nothing(self):
        payload = event("failed", "reader@example.com", "abc123@mg.example.com",
                        severity="temporary", reason="generic")  # fmt: skip
        self.assertEqual(self.post(payload).status_code, 200)
        self.assert_unchanged()

    def test_complaint_suppresses(self):
        self.assertEqual(self.post(event("complained", "Reader@example.com", "x")).status_code, 200)
        self.assertEqual(Suppression.objects.get().email, "reader@example.com")

    def test_delivered_and_opened_update_the_row(self):
        self.post(event("delivered", "reader@example.com", "abc123@mg.example.com"))
        self.post(event("opened", "reader@example.com", "abc123@mg.example.com"))
        delivery = Delivery.objects.get()
        self.assertEqual(delivery.status, DeliveryStatus.DELIVERED)
        self.assertIsNotNone(delivery.opened_at)

    def test_forged_signature_is_refused_and_changes_nothing(self):
        payload = event("complained", "reader@example.com", "abc123@mg.example.com",
                        key="not-the-key")  # fmt: skip
        self.assertEqual(self.post(payload).status_code, 400)
        self.assert_unchanged()

    def test_missing_basic_auth_is_refused(self):
        payload = event("complained", "reader@example.com", "abc123@mg.example.com")
        self.assertIn(self.post(payload, auth="").status_code, {400, 401, 403})
        self.assert_unchanged()
