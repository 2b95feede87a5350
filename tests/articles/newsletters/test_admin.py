"""The desk: compose (only published articles can be chosen), preview at two widths, size
meter, test send, start and progress, the sweep that restarts a send whose workers died."""

from datetime import timedelta

from django.core import mail
from django.test import TestCase, override_settings
from django.utils import timezone

from articles.newsletters import jobs, sending, services
from articles.newsletters.models import Delivery, DeliveryStatus, Issue, IssueStatus
from tests.factories import (
    ArticleFactory,
    IssueFactory,
    NewsletterFactory,
    SubscriptionFactory,
    UserFactory,
)


class IssueAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = UserFactory(is_superuser=True, email="editor@example.com")
        cls.newsletter = NewsletterFactory(name="Morning briefing")
        cls.live = ArticleFactory(headline="Live story")
        cls.draft = ArticleFactory(draft=True, headline="CANARY draft")
        cls.issue = IssueFactory(newsletter=cls.newsletter, subject="Monday")
        services.set_issue_articles(issue=cls.issue, article_ids=[cls.live.pk])
        SubscriptionFactory.create_batch(3, newsletter=cls.newsletter)

    def setUp(self):
        self.client.force_login(self.admin)

    def change_url(self, issue=None):
        return f"/admin/newsletters/issue/{(issue or self.issue).pk}/change/"

    def test_change_page_shows_preview_link_and_size_meter(self):
        response = self.client.get(self.change_url())
        self.assertContains(response, "Preview at desktop and phone widths")
        self.assertContains(response, "<meter")
        self.assertContains(response, "KB of 102 KB (fits)")

    def test_preview_page_has_both_widths_and_the_text_part(self):
        response = self.client.get(f"/admin/newsletters/issue/{self.issue.pk}/preview/")
        self.assertContains(response, 'width="640"')
        self.assertContains(response, 'width="375"')
        self.assertContains(response, "Live story")
        email = self.client.get(f"/admin/newsletters/issue/{self.issue.pk}/preview/email/")
        self.assertContains(email, "Live story")
        self.assertEqual(email["X-Frame-Options"], "SAMEORIGIN")
        self.assertIn("frame-ancestors 'self'", email["Content-Security-Policy"])

    def test_preview_needs_the_admin(self):
        self.client.logout()
        response = self.client.get(f"/admin/newsletters/issue/{self.issue.pk}/preview/email/")
        self.assertEqual(response.status_code, 302)

    def test_a_draft_cannot_be_added_through_the_form(self):
        data = {
            "newsletter": self.newsletter.pk, "subject": "Monday", "preheader": "",
            "introduction": "", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
            "items-0-position": "0", "items-0-article": str(self.draft.pk),
        }  # fmt: skip
        response = self.client.post("/admin/newsletters/issue/add/", data)
        self.assertContains(response, "Select a valid choice")  # the form again, with the error
        self.assertEqual(Issue.objects.count(), 1)

    def action(self, name):
        return self.client.post(
            "/admin/newsletters/issue/",
            {"action": name, "_selected_action": [self.issue.pk]},
            follow=True,
        )

    def test_test_send_action_mails_the_editor(self):
        response = self.action("send_test_to_me")
        self.assertContains(response, "test sent to editor@example.com")
        self.assertEqual([m.to for m in mail.outbox], [["editor@example.com"]])

    def test_start_action_sends_and_the_list_shows_progress(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.action("start_sending")
        self.assertEqual(len(mail.outbox), 3)
        response = self.client.get("/admin/newsletters/issue/")
        self.assertContains(response, "3 of 3 handed to the mail service")
        response = self.client.get(self.change_url())
        self.assertNotContains(response, 'name="subject"')  # sent issues are read-only

    def test_every_newsletter_admin_page_loads(self):
        for model in ["newsletter", "subscriber", "issue", "delivery", "suppression", "linkclick"]:
            self.assertEqual(self.client.get(f"/admin/newsletters/{model}/").status_code, 200)
        self.assertEqual(self.client.get("/admin/newsletters/issue/add/").status_code, 200)


class SweepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.issue = IssueFactory()
        SubscriptionFactory(newsletter=cls.issue.newsletter)
        SubscriptionFactory(newsletter=cls.issue.newsletter)
        Issue.objects.filter(pk=cls.issue.pk).update(
            status=IssueStatus.SENDING, rows_made_at=timezone.now()
        )
        sending.materialize(issue=cls.issue)

    @override_settings(NEWSROOM_NEWSLETTER_BATCH_SIZE=5)
    def test_sweep_restarts_a_send_whose_workers_all_died(self):
        sending.claim_batch(issue_id=self.issue.pk, size=5)  # the only worker, then it died
        jobs.sweep()
        self.assertEqual(mail.outbox, [])  # its lease still runs
        Delivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
        jobs.sweep()
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(
            set(Delivery.objects.values_list("status", flat=True)), {DeliveryStatus.SENT}
        )
        self.assertEqual(Issue.objects.get(pk=self.issue.pk).status, IssueStatus.SENT)


class SweepBeforeRowsTests(TestCase):
    def test_sweep_never_calls_a_send_finished_before_its_rows_are_made(self):
        # Found by scripts/bench_newsletter.py: the sweep ran between the start and the task
        # that makes the rows, saw no open rows, and called the issue sent.
        issue = IssueFactory()
        SubscriptionFactory(newsletter=issue.newsletter)
        Issue.objects.filter(pk=issue.pk).update(
            status=IssueStatus.SENDING, send_started_at=timezone.now()
        )
        jobs.sweep()
        self.assertEqual(Issue.objects.get(pk=issue.pk).status, IssueStatus.SENDING)
        self.assertEqual(mail.outbox, [])
        # Its maker died: once the lease has passed, the sweep makes the rows and sends.
        Issue.objects.filter(pk=issue.pk).update(
            send_started_at=timezone.now() - timedelta(hours=1)
        )
        jobs.sweep()
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(Issue.objects.get(pk=issue.pk).status, IssueStatus.SENT)


class RoleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.issue = IssueFactory()
        services.set_issue_articles(issue=cls.issue, article_ids=[ArticleFactory().pk])
        SubscriptionFactory(newsletter=cls.issue.newsletter)

    def test_editor_sends_and_writer_cannot_see_newsletters(self):
        editor = UserFactory(role="Editor")
        self.client.force_login(editor)
        self.assertEqual(self.client.get("/admin/newsletters/issue/").status_code, 200)
        self.assertEqual(self.client.get("/admin/newsletters/subscriber/").status_code, 200)
        with self.captureOnCommitCallbacks(execute=True):
            services.start_send(issue=self.issue, by=editor)
        self.assertEqual(len(mail.outbox), 1)
        self.client.force_login(UserFactory(role="Writer"))
        self.assertEqual(self.client.get("/admin/newsletters/issue/").status_code, 403)
