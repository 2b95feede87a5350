""" "Send to Breaking" on the publish step (published stories only, once per story and
newsletter) and scheduled sends started by the recurring sweep (time frozen)."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.newsletters import jobs, services
from articles.newsletters.models import Delivery, Issue, IssueStatus
from tests.articles.newsletters.test_sending import ANYMAIL_TEST
from tests.articles.test_services import ready_article
from tests.factories import (
    ArticleFactory,
    IssueFactory,
    NewsletterFactory,
    SubscriptionFactory,
    UserFactory,
)


def transition_url(article, action):
    return reverse("admin:articles_article_transition", args=[article.pk, action])


def issue_rows():
    return list(Issue.objects.order_by("pk").values("pk", "status", "scheduled_at"))


@override_settings(MAILERS=ANYMAIL_TEST, NEWSROOM_BASE_URL="https://news.example.com")
class SendToBreakingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.breaking = NewsletterFactory(name="Breaking", is_breaking=True)
        cls.morning = NewsletterFactory(name="Morning briefing")
        for n in range(3):
            SubscriptionFactory(newsletter=cls.breaking, subscriber__email=f"b{n}@example.com")
        SubscriptionFactory(newsletter=cls.morning, subscriber__email="m@example.com")

    def test_the_publish_step_offers_only_breaking_newsletters(self):
        article = ready_article(in_review=True)
        self.client.force_login(self.editor)
        page = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
        self.assertContains(page, "Also send this story to")
        self.assertContains(
            page,
            f'<input type="checkbox" name="publish-newsletters" value="{self.breaking.pk}" '
            f'id="publish-newsletters-{self.breaking.pk}" form="transition-publish">',
            html=True,
        )
        self.assertNotContains(page, f'value="{self.morning.pk}" id="publish-newsletters')

    def test_publishing_with_the_choice_sends_the_story_once_after_the_commit(self):
        article = ready_article(in_review=True, headline="Bridge closes")
        self.client.force_login(self.editor)
        data = {"publish-newsletters": [self.breaking.pk, self.morning.pk]}  # morning: ignored
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(transition_url(article, "publish"), data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Article.objects.get(pk=article.pk).status, Article.Status.PUBLISHED)
        issue = Issue.objects.get(breaking_article=article)
        self.assertEqual(issue.newsletter, self.breaking)
        self.assertEqual(issue.subject, "Bridge closes")
        self.assertEqual(issue.status, IssueStatus.SENT)
        self.assertEqual(list(issue.articles.all()), [article])
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), ["b0@example.com",
                         "b1@example.com", "b2@example.com"])  # fmt: skip
        self.assertFalse(Issue.objects.filter(newsletter=self.morning).exists())
        # Again (a double click, a re-publish): refused, nothing more is made or sent.
        mail.outbox.clear()
        before = issue_rows()
        with self.assertRaisesMessage(ValidationError, "already been sent to Breaking"):
            services.send_breaking(article=article, newsletter=self.breaking, by=self.editor)
        self.assertEqual(issue_rows(), before)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Delivery.objects.filter(issue=issue).count(), 3)

    def test_publishing_without_the_choice_sends_nothing(self):
        article = ready_article(in_review=True)
        self.client.force_login(self.editor)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(transition_url(article, "publish"))
        self.assertEqual(Article.objects.get(pk=article.pk).status, Article.Status.PUBLISHED)
        self.assertEqual(issue_rows(), [])

    def test_a_refused_publish_sends_nothing(self):
        draft = ready_article(draft=True)  # publish starts from "in review"
        self.client.force_login(self.editor)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(transition_url(draft, "publish"), {
                "publish-newsletters": [self.breaking.pk]})  # fmt: skip
        self.assertEqual(Article.objects.get(pk=draft.pk).status, Article.Status.DRAFT)
        self.assertEqual(issue_rows(), [])
        self.assertEqual(mail.outbox, [])

    def test_drafts_and_unpublished_stories_are_never_sent(self):
        for article in (ArticleFactory(draft=True), ArticleFactory(in_review=True),
                        ArticleFactory(scheduled=True)):  # fmt: skip
            with self.assertRaisesMessage(ValidationError, services.BREAKING_NOT_PUBLISHED):
                services.send_breaking(article=article, newsletter=self.breaking, by=self.editor)
        self.assertEqual(issue_rows(), [])

    def test_only_breaking_newsletters_and_only_senders(self):
        story = ArticleFactory()
        with self.assertRaisesMessage(ValidationError, services.NOT_BREAKING):
            services.send_breaking(article=story, newsletter=self.morning, by=self.editor)
        with self.assertRaises(PermissionDenied):
            services.send_breaking(article=story, newsletter=self.breaking, by=self.writer)
        self.assertEqual(issue_rows(), [])


@override_settings(MAILERS=ANYMAIL_TEST, NEWSROOM_BASE_URL="https://news.example.com")
class ScheduledSendTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.newsletter = NewsletterFactory()
        cls.story = ArticleFactory()
        for n in range(2):
            SubscriptionFactory(newsletter=cls.newsletter, subscriber__email=f"r{n}@example.com")

    def setUp(self):
        self.issue = IssueFactory(newsletter=self.newsletter)
        services.set_issue_articles(issue=self.issue, article_ids=[self.story.pk])
        self.start = timezone.now().replace(microsecond=0)

    def sweep(self):
        with self.captureOnCommitCallbacks(execute=True):
            jobs.sweep()

    def test_the_sweep_starts_it_when_due_and_not_before(self):
        at = self.start + timedelta(hours=1)
        with time_machine.travel(self.start, tick=False):
            services.schedule_send(issue=self.issue, at=at, by=self.editor)
        with time_machine.travel(at - timedelta(seconds=1), tick=False):
            self.sweep()
        self.assertEqual(Issue.objects.get(pk=self.issue.pk).status, IssueStatus.DRAFT)
        self.assertEqual(mail.outbox, [])
        with time_machine.travel(at, tick=False):
            self.sweep()
        issue = Issue.objects.get(pk=self.issue.pk)
        self.assertEqual(issue.status, IssueStatus.SENT)
        self.assertEqual(issue.send_started_at, at)
        self.assertEqual(len(mail.outbox), 2)
        with time_machine.travel(at + timedelta(minutes=5), tick=False):
            self.sweep()  # a later sweep sends nothing again
        self.assertEqual(len(mail.outbox), 2)

    def test_cancelled_before_it_starts_it_never_goes(self):
        at = self.start + timedelta(hours=1)
        with time_machine.travel(self.start, tick=False):
            services.schedule_send(issue=self.issue, at=at, by=self.editor)
            services.cancel_schedule(issue=self.issue, by=self.editor)
        with time_machine.travel(at + timedelta(hours=1), tick=False):
            self.sweep()
        issue = Issue.objects.get(pk=self.issue.pk)
        self.assertEqual((issue.status, issue.scheduled_at), (IssueStatus.DRAFT, None))
        self.assertEqual(mail.outbox, [])

    def test_refusals_leave_the_issue_unchanged(self):
        before = issue_rows()
        with self.assertRaisesMessage(ValidationError, services.SCHEDULE_IN_PAST):
            services.schedule_send(issue=self.issue, at=timezone.now(), by=self.editor)
        with self.assertRaises(PermissionDenied):
            services.schedule_send(
                issue=self.issue, at=timezone.now() + timedelta(hours=1), by=self.writer
            )
        with self.assertRaisesMessage(ValidationError, services.NOT_SCHEDULED):
            services.cancel_schedule(issue=self.issue, by=self.editor)
        self.assertEqual(issue_rows(), before)

    def test_a_started_send_cannot_be_cancelled_or_rescheduled(self):
        at = self.start + timedelta(hours=1)
        with time_machine.travel(self.start, tick=False):
            services.schedule_send(issue=self.issue, at=at, by=self.editor)
        with time_machine.travel(at, tick=False):
            self.sweep()
        before = issue_rows()
        with self.assertRaisesMessage(ValidationError, services.NOT_SCHEDULED):
            services.cancel_schedule(issue=self.issue, by=self.editor)
        with self.assertRaisesMessage(ValidationError, services.NOT_DRAFT):
            services.schedule_send(
                issue=self.issue, at=timezone.now() + timedelta(days=1), by=self.editor
            )
        self.assertEqual(issue_rows(), before)

    def test_admin_schedules_and_cancels(self):
        self.client.force_login(self.editor)
        url = reverse("admin:newsletters_issue_schedule", args=[self.issue.pk])
        when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(
            second=0, microsecond=0
        )
        page = self.client.get(url)
        self.assertContains(page, 'type="datetime-local"')
        response = self.client.post(url, {"send_at": when.strftime("%Y-%m-%dT%H:%M")})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Issue.objects.get(pk=self.issue.pk).scheduled_at, when)
        response = self.client.post(url, {"send_at": "yesterday"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a valid date/time")
        self.assertEqual(Issue.objects.get(pk=self.issue.pk).scheduled_at, when)
        response = self.client.post(url, {"cancel": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertIsNone(Issue.objects.get(pk=self.issue.pk).scheduled_at)
        self.client.force_login(self.writer)
        self.assertEqual(self.client.post(url, {"cancel": "1"}).status_code, 403)
