"""The whole path through a real SMTP server on loopback (aiosmtpd): sign up, confirm by the
button, compose, send, read the headers as a mail provider would, one-click unsubscribe."""

import re

from django.test import Client, TestCase, override_settings

from articles.newsletters import sending, services
from articles.newsletters.admin import progress_text
from articles.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscription,
    SubscriptionStatus,
)
from tests.articles.newsletters.smtp import REFUSED, Inbox
from tests.factories import (
    ArticleFactory,
    IssueFactory,
    NewsletterFactory,
    SubscriptionFactory,
    UserFactory,
)


class SmtpEndToEndTests(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inbox = Inbox()
        cls.enterClassContext(
            override_settings(
                MAILERS=cls.inbox.mailers(),
                NEWSROOM_BASE_URL="https://news.example.com",
                NEWSROOM_POSTAL_ADDRESS="1 Press Lane, Springfield",
                NEWSROOM_NEWSLETTER_BATCH_SIZE=2,
            )
        )
        cls.addClassCleanup(cls.inbox.stop)

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(is_superuser=True)
        cls.newsletter = NewsletterFactory(name="Morning briefing", slug="morning")
        cls.story = ArticleFactory(headline="The council votes")
        ArticleFactory(draft=True, headline="CANARY draft")
        for n in range(3):
            SubscriptionFactory(newsletter=cls.newsletter, subscriber__email=f"r{n}@example.com")

    def setUp(self):
        self.inbox.messages.clear()

    def send(self, issue):
        with self.captureOnCommitCallbacks(execute=True):
            services.start_send(issue=issue, by=self.editor)
        issue.refresh_from_db()
        return issue

    def test_sign_up_confirm_send_and_one_click_unsubscribe(self):
        reader = Client(enforce_csrf_checks=True)
        page = reader.get("/newsletters/")
        with self.captureOnCommitCallbacks(execute=True):
            reader.post(
                "/newsletters/",
                {
                    "email": "new@example.com",
                    "newsletter": [self.newsletter.pk],
                    "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
                },
            )
        [confirmation] = self.inbox.to("new@example.com")
        link = re.search(
            r"https://news\.example\.com(/newsletters/confirm/\S+/)", confirmation.get_content()
        )
        page = reader.get(link.group(1))
        reader.post(link.group(1), {"csrfmiddlewaretoken": page.cookies["csrftoken"].value})
        self.assertEqual(
            Subscription.objects.get(subscriber__email="new@example.com").status,
            SubscriptionStatus.ACTIVE,
        )

        issue = IssueFactory(newsletter=self.newsletter, subject="Tuesday briefing")
        services.set_issue_articles(issue=issue, article_ids=[self.story.pk])
        issue = self.send(issue)
        self.assertEqual(issue.status, IssueStatus.SENT)
        confirmation_again, message = self.inbox.to("new@example.com")
        self.assertIs(confirmation_again, confirmation)
        self.assertEqual(len(self.inbox.messages), 5)  # 1 confirmation + 4 subscribers
        self.assertEqual(message["Subject"], "Tuesday briefing")
        self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        header = message["List-Unsubscribe"]
        https, mailto = re.fullmatch(r"<(https://[^>]+)>, <(mailto:[^>]+)>", header).groups()
        self.assertTrue(mailto.startswith("mailto:unsubscribe@"))
        delivery = Delivery.objects.get(issue=issue, email="new@example.com")
        self.assertEqual(message["Message-ID"], delivery.message_id)
        self.assertEqual(message.get_content_type(), "multipart/alternative")
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        self.assertIn("The council votes", text)
        self.assertIn("The council votes", html)
        self.assertIn("1 Press Lane, Springfield", html)
        self.assertNotIn("CANARY", html + text)

        # The mail provider's one-click POST: no cookie, no token, this exact body.
        response = Client(enforce_csrf_checks=True).post(
            https.removeprefix("https://news.example.com"),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            Subscription.objects.get(subscriber__email="new@example.com").status,
            SubscriptionStatus.UNSUBSCRIBED,
        )

    def test_refused_recipient_is_failed_never_sent(self):
        SubscriptionFactory(newsletter=self.newsletter, subscriber__email=REFUSED)
        issue = IssueFactory(newsletter=self.newsletter)
        services.set_issue_articles(issue=issue, article_ids=[self.story.pk])
        issue = self.send(issue)
        self.assertEqual(len(self.inbox.messages), 3)
        refused = Delivery.objects.get(issue=issue, email=REFUSED)
        self.assertEqual(refused.status, DeliveryStatus.FAILED)
        self.assertIn("No such user", refused.error)
        counts = services.progress(issue)
        self.assertEqual((counts["sent"], counts["failed"]), (3, 1))
        self.assertEqual(progress_text(counts), "3 of 4 handed to the mail service · 1 failed")
        self.assertEqual(Issue.objects.get(pk=issue.pk).status, IssueStatus.SENT)

    def test_server_down_leaves_every_row_queued_for_the_retry(self):
        issue = IssueFactory(newsletter=self.newsletter)
        services.set_issue_articles(issue=issue, article_ids=[self.story.pk])
        dead = {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2}}  # fmt: skip
        with override_settings(MAILERS={"default": dead, "newsletters": dead}):
            issue = self.send(issue)
        self.assertEqual(issue.status, IssueStatus.SENDING)  # never "sent" for what failed
        self.assertEqual(services.progress(issue)["queued"], 3)
        sending.send_batch.call(issue_id=issue.pk)  # the retry, with the server back
        self.assertEqual(len(self.inbox.messages), 3)
        self.assertEqual(Issue.objects.get(pk=issue.pk).status, IssueStatus.SENT)
