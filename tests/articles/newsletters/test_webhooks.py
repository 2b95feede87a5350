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
    ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": "hooks:basic-secret"},
    NEWSROOM_NEWSLETTER_WEBHOOK_ESPS=["mailgun", "brevo", "postmark"],
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

    def test_esps_not_turned_on_or_unknown_are_404(self):
        for url in ["/newsletters/esp/sendgrid/tracking/", "/newsletters/esp/nosuch/tracking/"]:
            self.assertEqual(self.client.post(url).status_code, 404)
        self.assert_unchanged()

    @override_settings(ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY})
    def test_an_unsigned_esp_without_basic_auth_is_never_served(self):
        # Brevo does not sign its webhooks: without WEBHOOK_SECRET anyone could post to it.
        body = json.dumps({"event": "spam", "email": "reader@example.com", "message-id": "x"})
        response = self.client.post(
            "/newsletters/esp/brevo/tracking/", body, content_type="application/json"
        )
        self.assertEqual(response.status_code, 404)
        self.assert_unchanged()

    @override_settings(ANYMAIL={"WEBHOOK_SECRET": "hooks:basic-secret"})
    def test_missing_esp_configuration_is_404_not_500(self):
        # Mailgun without its signing key: anymail refuses to start the view.
        self.assertEqual(self.post(event("complained", "reader@example.com", "x")).status_code, 404)
        self.assert_unchanged()

    def test_every_esp_answers_garbage_with_a_client_error(self):
        for esp in ["mailgun", "postmark", "brevo"]:
            response = self.client.post(
                f"/newsletters/esp/{esp}/tracking/",
                "not json",
                content_type="application/json",
                HTTP_AUTHORIZATION=AUTH,
            )
            self.assertIn(response.status_code, {400, 403}, esp)
        self.assert_unchanged()
