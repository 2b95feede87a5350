"""The fast path (`wire.py`): a recipient's copy filled into bytes built once per batch must
read back exactly like the copy Django's email API builds for the same recipient."""

import email.policy
import re
import smtplib
import time
from email import message_from_bytes

from django.test import SimpleTestCase, TestCase, override_settings

from articles.newsletters import emails, sending, services, wire
from articles.newsletters.models import Delivery, DeliveryStatus, Issue, IssueStatus
from tests.articles.newsletters.smtp import DEFERRED_AT_END, REFUSED, REJECTED_AT_END, Inbox
from tests.factories import (
    ArticleFactory,
    IssueFactory,
    NewsletterFactory,
    SubscriptionFactory,
    UserFactory,
)

VARYING = {"date", "content-type"}  # the time, and the multipart boundary (random per build)


def parsed(data: bytes):
    return message_from_bytes(data, policy=email.policy.default)


def slow_bytes(rendered, to) -> bytes:
    return emails.build_message(rendered, to).message(policy=email.policy.SMTP).as_bytes()


@override_settings(
    NEWSROOM_BASE_URL="https://news.example.com",
    NEWSROOM_POSTAL_ADDRESS="1 Press Lane, Springfield",
)
class WireTemplateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.newsletter = NewsletterFactory(
            name="Matin: l’édition", slug="matin", from_name="Rédaction Été",
            reply_to="lettres@example.com",
        )  # fmt: skip
        cls.story = ArticleFactory(headline="Le conseil vote — 12 € de plus", standfirst="Ça va")
        cls.issue = IssueFactory(
            newsletter=cls.newsletter,
            subject="Édition du mardi: « la ville » " + "très longue " * 8,
            introduction="Bonjour à tous.\n\n. A line starting with a dot\n\n" + "x" * 300,
        )
        services.set_issue_articles(issue=cls.issue, article_ids=[cls.story.pk])
        cls.sub = SubscriptionFactory(
            newsletter=cls.newsletter, subscriber__email="reader@example.com"
        ).subscriber

    def setUp(self):
        self.rendered = emails.render_issue(self.issue)
        self.template = wire.build(self.rendered)
        self.to = emails.recipient(self.rendered, subscriber=self.sub, email=self.sub.email)

    def test_a_filled_copy_reads_back_like_the_one_the_email_api_builds(self):
        fast = parsed(self.template.fill(self.to))
        slow = parsed(slow_bytes(self.rendered, self.to))
        self.assertEqual(fast.defects, [])
        self.assertEqual(sorted(fast.keys()), sorted(slow.keys()))
        for name in slow:
            if name.lower() not in VARYING:
                self.assertEqual(str(fast[name]), str(slow[name]), name)
        self.assertEqual(fast.get_content_type(), "multipart/alternative")
        for kind in ("plain", "html"):
            fast_part = fast.get_body(preferencelist=(kind,))
            slow_part = slow.get_body(preferencelist=(kind,))
            self.assertEqual(fast_part.get_content(), slow_part.get_content())
            self.assertEqual(fast_part.get_content_charset(), "utf-8")
            self.assertEqual(fast_part.defects, [])
        # The recipient's own links are in both parts, the placeholders in neither.
        html = fast.get_body(preferencelist=("html",)).get_content()
        self.assertIn(self.to.unsubscribe_url, html)
        self.assertIn(self.to.preferences_url, html)
        self.assertNotIn("%%", html)
        self.assertEqual(fast["To"], "reader@example.com")
        self.assertEqual(fast["Message-ID"], self.to.message_id)
        self.assertEqual(
            fast["Message-ID"],
            emails.message_id(issue_id=self.issue.pk, subscriber_id=self.sub.pk,
                              host="news.example.com"),
        )  # fmt: skip

    def test_the_bytes_are_valid_smtp_data(self):
        data = self.template.fill(self.to)
        self.assertTrue(data.isascii())
        self.assertNotIn(b"placeholder.invalid", data)
        lines = data.split(b"\r\n")
        self.assertFalse(re.search(rb"(?<!\r)\n", data), "bare LF")
        self.assertLessEqual(max(len(line) for line in lines), 998)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertLessEqual(max(len(line) for line in body.split(b"\r\n")), 76)  # RFC 2045
        # The subject is encoded once, as the email package folds it (RFC 2047).
        self.assertIn(b"Subject: =?utf-8?", head)
        self.assertEqual(parsed(data)["Subject"], self.issue.subject)

    def test_two_recipients_get_their_own_links_and_ids(self):
        other = SubscriptionFactory(newsletter=self.newsletter).subscriber
        other_to = emails.recipient(self.rendered, subscriber=other, email=other.email)
        mine, theirs = parsed(self.template.fill(self.to)), parsed(self.template.fill(other_to))
        self.assertNotEqual(mine["Message-ID"], theirs["Message-ID"])
        self.assertNotEqual(mine["List-Unsubscribe"], theirs["List-Unsubscribe"])
        self.assertIn(other_to.unsubscribe_url, theirs.get_body(("html",)).get_content())
        self.assertNotIn(self.to.unsubscribe_url, theirs.as_string())

    def test_only_plain_ascii_addresses_take_the_fast_path(self):
        self.assertTrue(wire.can_take("reader@example.com"))
        self.assertFalse(wire.can_take("léa@exämple.com"))
        self.assertFalse(wire.can_take("a@example.com\r\nBcc: x@example.com"))


class FastPathOverSmtpTests(TestCase):
    """Through a real SMTP server: ASCII addresses by the fast path, others by the email API,
    every row marked sent with the Message-ID the server saw."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inbox = Inbox()
        cls.enterClassContext(
            override_settings(MAILERS=cls.inbox.mailers(), NEWSROOM_BASE_URL="https://n.example")
        )
        cls.addClassCleanup(cls.inbox.stop)

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(is_superuser=True)
        cls.newsletter = NewsletterFactory()
        cls.story = ArticleFactory()
        for address in ("a@example.com", "b@example.com", "zoe@exämple.com", "zoë@example.com"):
            SubscriptionFactory(newsletter=cls.newsletter, subscriber__email=address)

    def test_each_row_sent_once_with_the_id_the_server_received(self):
        issue = IssueFactory(newsletter=self.newsletter)
        services.set_issue_articles(issue=issue, article_ids=[self.story.pk])
        with self.captureOnCommitCallbacks(execute=True):
            services.start_send(issue=issue, by=self.editor)
        issue.refresh_from_db()
        self.assertEqual(issue.status, IssueStatus.SENT)
        received = {tuple(rcpt): message for rcpt, message in self.inbox.messages}
        self.assertEqual(len(self.inbox.messages), 3)
        self.assertEqual(set(received), {("a@example.com",), ("b@example.com",),
                                         ("zoe@xn--exmple-cua.com",)})  # fmt: skip
        # A non-ASCII local part cannot travel by plain SMTP: failed for good, never retried.
        failed = Delivery.objects.get(issue=issue, email="zoë@example.com")
        self.assertEqual(failed.status, DeliveryStatus.FAILED)
        self.assertIn("non-ASCII", failed.error)
        for delivery in Delivery.objects.filter(issue=issue).exclude(pk=failed.pk):
            self.assertEqual(delivery.status, DeliveryStatus.SENT)
            self.assertEqual(delivery.claim, "")
            self.assertIsNotNone(delivery.sent_at)
            [message] = self.inbox.to(delivery.email) or self.inbox.to("zoe@xn--exmple-cua.com")
            self.assertEqual(message["Message-ID"], delivery.message_id)

    def test_sender_uses_the_template_only_for_plain_smtp(self):
        issue = IssueFactory(newsletter=self.newsletter)
        rendered = emails.render_issue(issue)
        from django.core.mail import mailers

        mailer = mailers["newsletters"]
        mailer.open()
        try:
            self.assertIsNotNone(sending.Sender(mailer, rendered).template)
        finally:
            mailer.close()
        with override_settings(
            MAILERS={"newsletters": {"BACKEND": "anymail.backends.test.EmailBackend"}}
        ):
            self.assertIsNone(sending.Sender(mailers["newsletters"], rendered).template)


class TransmitTests(SimpleTestCase):
    """The mark comes in the instant before the final dot: a sender cut off before it has
    handed over nothing, and one cut off after it has marked the row."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inbox = Inbox()
        cls.addClassCleanup(cls.inbox.stop)

    def setUp(self):
        self.inbox.messages.clear()
        self.smtp = smtplib.SMTP("127.0.0.1", self.inbox.port, timeout=5)
        self.smtp.ehlo()

    def wait_for(self, count):
        for _ in range(50):
            if len(self.inbox.messages) >= count:
                return
            time.sleep(0.02)

    def test_cut_off_before_the_final_dot_the_server_keeps_nothing(self):
        class Died(Exception):
            pass

        def die(end):
            raise Died  # killed after the bytes, before the mark and the dot

        with self.assertRaises(Died):
            wire.transmit(self.smtp, "a@example.com", "b@example.com",
                          b"Subject: x\r\n\r\nhello\r\n", mark_and_end=die)  # fmt: skip
        self.smtp.sock.close()  # what the kernel does for a killed worker
        time.sleep(0.3)
        self.assertEqual(self.inbox.messages, [])

    def test_marked_before_the_server_has_it_then_delivered_once(self):
        seen_at_mark = []
        data = b"Subject: x\r\nMessage-ID: <1@x>\r\n\r\n.a line that starts with a dot\r\n"

        def mark_and_end(end):
            time.sleep(0.1)  # the server would have taken it by now, had the dot been sent
            seen_at_mark.append(len(self.inbox.messages))
            end()

        wire.transmit(self.smtp, "a@example.com", "b@example.com", data,
                      mark_and_end=mark_and_end)  # fmt: skip
        self.smtp.quit()
        self.wait_for(1)
        self.assertEqual(seen_at_mark, [0])
        [(rcpt, message)] = self.inbox.messages
        self.assertEqual(rcpt, ["b@example.com"])
        self.assertEqual(message.get_content().rstrip(), ".a line that starts with a dot")

    def test_refusals_raise_as_smtplib_does(self):
        with self.assertRaises(smtplib.SMTPRecipientsRefused):
            wire.transmit(self.smtp, "a@example.com", REFUSED, b"x\r\n", mark_and_end=lambda e: e())
        with self.assertRaises(smtplib.SMTPDataError) as caught:
            wire.transmit(self.smtp, "a@example.com", REJECTED_AT_END, b"x\r\n",
                          mark_and_end=lambda end: end())  # fmt: skip
        self.assertEqual(caught.exception.smtp_code, 554)
        self.smtp.quit()


class RefusedAfterTheMarkTests(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inbox = Inbox()
        cls.enterClassContext(
            override_settings(MAILERS=cls.inbox.mailers(), NEWSROOM_BASE_URL="https://n.example")
        )
        cls.addClassCleanup(cls.inbox.stop)

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(is_superuser=True)
        cls.newsletter = NewsletterFactory()
        cls.story = ArticleFactory()
        for address in ("ok@example.com", REJECTED_AT_END, DEFERRED_AT_END):
            SubscriptionFactory(newsletter=cls.newsletter, subscriber__email=address)

    def test_a_message_refused_at_its_end_is_failed_or_requeued_never_sent(self):
        issue = IssueFactory(newsletter=self.newsletter)
        services.set_issue_articles(issue=issue, article_ids=[self.story.pk])
        with self.captureOnCommitCallbacks(execute=True):
            services.start_send(issue=issue, by=self.editor)
        rows = dict(Delivery.objects.filter(issue=issue).values_list("email", "status"))
        self.assertEqual(rows["ok@example.com"], DeliveryStatus.SENT)
        self.assertEqual(rows[REJECTED_AT_END], DeliveryStatus.FAILED)
        self.assertEqual(rows[DEFERRED_AT_END], DeliveryStatus.QUEUED)  # for the retry
        self.assertEqual(Issue.objects.get(pk=issue.pk).status, IssueStatus.SENDING)
        self.assertIn("554", Delivery.objects.get(issue=issue, email=REJECTED_AT_END).error)
