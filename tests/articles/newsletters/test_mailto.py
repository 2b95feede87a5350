"""The List-Unsubscribe mailto: a mail to the unsubscribe address whose subject carries the
signed token ends that subscription, through the ESP's inbound webhook (Mailgun's format,
signature checked) or the management command for a mailbox; a forged token changes nothing."""

import hashlib
import hmac
import io
import time
from unittest import mock
from urllib.parse import unquote

from django.core.management import call_command
from django.test import TestCase, override_settings

from articles.newsletters import emails, services
from articles.newsletters.models import Subscription, SubscriptionStatus
from tests.factories import IssueFactory, NewsletterFactory, SubscriptionFactory

SIGNING_KEY = "test-signing-key"
URL = "/newsletters/esp/mailgun/inbound/"


def signed_form(*, subject, key=SIGNING_KEY):
    timestamp, token = str(int(time.time())), "b" * 50
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    mime = (
        "From: reader@example.com\r\nTo: unsubscribe@news.example.com\r\n"
        f"Subject: {subject}\r\nContent-Type: text/plain\r\n\r\nUnsubscribe me.\r\n"
    )
    return {
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "body-mime": mime,
        "recipient": "unsubscribe@news.example.com",
        "sender": "reader@example.com",
    }


def statuses():
    return dict(Subscription.objects.values_list("pk", "status"))


@override_settings(
    ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY},
    NEWSROOM_NEWSLETTER_WEBHOOK_ESPS=["mailgun"],
    NEWSROOM_BASE_URL="https://news.example.com",
)
class MailtoUnsubscribeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.sub = SubscriptionFactory(subscriber__email="reader@example.com")
        cls.other = SubscriptionFactory(
            subscriber=cls.sub.subscriber, newsletter=NewsletterFactory()
        )
        cls.issue = IssueFactory(newsletter=cls.sub.newsletter)

    def mailto_subject(self):
        """The subject a mail client writes from the issue's List-Unsubscribe mailto."""
        rendered = emails.render_issue(self.issue)
        to = emails.recipient(rendered, subscriber=self.sub.subscriber, email="reader@example.com")
        mailto = to.list_unsubscribe.split(", ")[1].strip("<>")
        self.assertTrue(mailto.startswith("mailto:unsubscribe@"))
        return unquote(mailto.partition("?subject=")[2])

    def test_the_mailto_from_an_issue_unsubscribes_that_newsletter_only(self):
        subject = self.mailto_subject()
        self.assertEqual(services.unsubscribe_by_mail(subject=subject), 1)
        self.assertEqual(
            Subscription.objects.get(pk=self.sub.pk).status, SubscriptionStatus.UNSUBSCRIBED
        )
        self.assertEqual(Subscription.objects.get(pk=self.other.pk).status, "active")

    def test_through_the_esp_inbound_webhook(self):
        response = self.client.post(URL, signed_form(subject="Re: " + self.mailto_subject()))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            Subscription.objects.get(pk=self.sub.pk).status, SubscriptionStatus.UNSUBSCRIBED
        )

    def test_forged_signature_or_token_changes_nothing(self):
        before = statuses()
        response = self.client.post(URL, signed_form(subject=self.mailto_subject(), key="wrong"))
        self.assertEqual(response.status_code, 400)
        forged = self.mailto_subject()[:-3] + "xyz"
        self.assertEqual(self.client.post(URL, signed_form(subject=forged)).status_code, 200)
        self.assertIsNone(services.unsubscribe_by_mail(subject=forged))
        self.assertIsNone(services.unsubscribe_by_mail(subject="please remove me"))
        self.assertEqual(statuses(), before)

    def test_an_esp_not_turned_on_is_404(self):
        with override_settings(NEWSROOM_NEWSLETTER_WEBHOOK_ESPS=[]):
            response = self.client.post(URL, signed_form(subject=self.mailto_subject()))
        self.assertEqual(response.status_code, 404)

    def test_the_command_reads_a_mailbox_message_on_stdin(self):
        raw = signed_form(subject=self.mailto_subject())["body-mime"].encode()
        out = io.StringIO()
        with mock.patch("sys.stdin", io.TextIOWrapper(io.BytesIO(raw))):
            call_command("newsletter_unsubscribe_mail", stdout=out)
        self.assertIn("unsubscribed (1 subscription(s) ended)", out.getvalue())
        self.assertEqual(
            Subscription.objects.get(pk=self.sub.pk).status, SubscriptionStatus.UNSUBSCRIBED
        )
        out = io.StringIO()
        with mock.patch("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Subject: hello\r\n\r\nx"))):
            call_command("newsletter_unsubscribe_mail", stdout=out)
        self.assertIn("no valid unsubscribe token; nothing changed", out.getvalue())
