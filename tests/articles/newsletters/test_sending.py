"""Composing and sending an issue through anymail's test backend: only published articles
(the canary), the RFC 8058 headers, one delivery row and one message per recipient whatever
runs twice or dies half-way, pause and resume."""

from datetime import timedelta

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from articles.newsletters import conf, emails, sending, services
from articles.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    LinkClick,
)
from tests.factories import (
    ArticleFactory,
    IssueFactory,
    NewsletterFactory,
    SubscriptionFactory,
    UserFactory,
)

ANYMAIL_TEST = {
    "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    "newsletters": {"BACKEND": "anymail.backends.test.EmailBackend"},
}


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@override_settings(MAILERS=ANYMAIL_TEST, NEWSROOM_BASE_URL="https://news.example.com")
class SendTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(is_superuser=True, email="editor@example.com")
        cls.newsletter = NewsletterFactory(
            name="Morning briefing", slug="morning", reply_to="desk@example.com"
        )
        cls.active = [
            SubscriptionFactory(newsletter=cls.newsletter, subscriber__email=f"r{n}@example.com")
            for n in range(5)
        ]
        SubscriptionFactory(newsletter=cls.newsletter, pending=True)
        SubscriptionFactory(newsletter=cls.newsletter, unsubscribed=True)
        SubscriptionFactory(subscriber__email="other@example.com")  # another newsletter
        services.suppress(email="r4@example.com", reason="bounced")
        cls.first = ArticleFactory(headline="First story")
        cls.second = ArticleFactory(headline="Second story")
        cls.draft = ArticleFactory(draft=True, headline="CANARY draft")
        cls.issue = IssueFactory(newsletter=cls.newsletter, subject="Tuesday")
        services.set_issue_articles(issue=cls.issue, article_ids=[cls.second.pk, cls.first.pk])

    def start(self):
        with self.captureOnCommitCallbacks(execute=True):
            return services.start_send(issue=self.issue, by=self.editor)

    def test_each_active_unsuppressed_subscriber_gets_it_once(self):
        self.start()
        self.assertEqual(recipients(), [f"r{n}@example.com" for n in range(4)])
        self.issue.refresh_from_db()
        self.assertEqual(self.issue.status, IssueStatus.SENT)
        rows = Delivery.objects.filter(issue=self.issue)
        self.assertEqual(rows.count(), 4)
        self.assertEqual({r.status for r in rows}, {DeliveryStatus.SENT})
        self.assertTrue(all(r.message_id and r.sent_at for r in rows))

    def test_headers_and_parts(self):
        self.start()
        message = mail.outbox[0]
        unsubscribe = message.extra_headers["List-Unsubscribe"]
        self.assertRegex(
            unsubscribe,
            r"^<https://news\.example\.com/newsletters/unsubscribe/[^>]+/>, <mailto:unsubscribe@",
        )
        self.assertEqual(
            message.extra_headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"
        )
        self.assertIn("morning.news.example.com", message.extra_headers["List-Id"])
        self.assertEqual(message.extra_headers["Reply-To"], "desk@example.com")
        html = message.alternatives[0].content
        self.assertLess(html.index("Second story"), html.index("First story"))
        self.assertNotIn("%%", html + message.body)
        self.assertIn(unsubscribe[1:].split(">")[0], html)
        self.assertIn("Second story", message.body)
        self.assertIn("https://news.example.com/newsletters/c/", message.body)

    def test_starting_twice_sends_once(self):
        self.start()
        self.start()
        self.assertEqual(len(mail.outbox), 4)
        self.assertEqual(Delivery.objects.count(), 4)

    def test_a_batch_run_again_sends_nothing_twice(self):
        Issue.objects.filter(pk=self.issue.pk).update(
            status=IssueStatus.SENDING, rows_made_at=timezone.now()
        )
        sending.materialize(issue=self.issue)
        sending.materialize(issue=self.issue)  # the rows are made once
        for _ in range(3):
            sending.send_batch.call(issue_id=self.issue.pk)
        self.assertEqual(recipients(), [f"r{n}@example.com" for n in range(4)])

    @override_settings(NEWSROOM_NEWSLETTER_BATCH_SIZE=2)
    def test_worker_that_died_mid_batch_loses_and_duplicates_nothing(self):
        Issue.objects.filter(pk=self.issue.pk).update(
            status=IssueStatus.SENDING, rows_made_at=timezone.now()
        )
        sending.materialize(issue=self.issue)
        # Worker A claims two rows, sends the first, and dies before the second.
        claim, rows = sending.claim_batch(issue_id=self.issue.pk, size=2)
        mail.outbox.append(mail.EmailMessage(to=[rows[0].email]))
        Delivery.objects.filter(pk=rows[0].pk).update(status=DeliveryStatus.SENT, claim="")
        # While A's lease runs, nobody touches its row.
        sending.send_batch.call(issue_id=self.issue.pk)
        self.assertEqual(Delivery.objects.get(pk=rows[1].pk).status, DeliveryStatus.SENDING)
        self.assertEqual(len(mail.outbox), 3)
        # Its lease runs out: the next batch takes the row over.
        Delivery.objects.filter(claim=claim).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        sending.send_batch.call(issue_id=self.issue.pk)
        self.assertEqual(recipients(), [f"r{n}@example.com" for n in range(4)])
        self.assertEqual(Issue.objects.get(pk=self.issue.pk).status, IssueStatus.SENT)

    @override_settings(NEWSROOM_NEWSLETTER_BATCH_SIZE=1, NEWSROOM_NEWSLETTER_PARALLEL_BATCHES=1)
    def test_pause_and_resume(self):
        Issue.objects.filter(pk=self.issue.pk).update(
            status=IssueStatus.SENDING, rows_made_at=timezone.now()
        )
        sending.materialize(issue=self.issue)
        claim, rows = sending.claim_batch(issue_id=self.issue.pk, size=1)
        sending.send_rows(issue=Issue.objects.get(pk=self.issue.pk), claim=claim, rows=rows)
        services.pause_send(issue=self.issue, by=self.editor)
        sending.send_batch.call(issue_id=self.issue.pk)  # a batch already queued
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(services.progress(self.issue)["queued"], 3)
        with self.assertRaisesMessage(ValidationError, services.NOT_SENDING):
            services.pause_send(issue=self.issue, by=self.editor)
        with self.captureOnCommitCallbacks(execute=True):
            services.resume_send(issue=self.issue, by=self.editor)
        self.assertEqual(recipients(), [f"r{n}@example.com" for n in range(4)])
        self.assertEqual(Issue.objects.get(pk=self.issue.pk).status, IssueStatus.SENT)

    def test_who_leaves_after_the_rows_are_made_is_skipped(self):
        Issue.objects.filter(pk=self.issue.pk).update(
            status=IssueStatus.SENDING, rows_made_at=timezone.now()
        )
        sending.materialize(issue=self.issue)
        services.unsubscribe(subscriber=self.active[0].subscriber)
        services.suppress(email="r1@example.com", reason="complained")
        sending.send_batch.call(issue_id=self.issue.pk)
        self.assertEqual(recipients(), ["r2@example.com", "r3@example.com"])
        self.assertEqual(services.progress(self.issue)["skipped"], 2)

    def test_writer_cannot_send_and_nothing_changes(self):
        writer = UserFactory(role="Writer")
        with self.assertRaises(PermissionDenied):
            services.start_send(issue=self.issue, by=writer)
        self.issue.refresh_from_db()
        self.assertEqual(self.issue.status, IssueStatus.DRAFT)
        self.assertFalse(Delivery.objects.exists())

    def test_test_send_goes_to_the_editor_only(self):
        services.send_test(issue=self.issue, to=self.editor.email, by=self.editor)
        self.assertEqual(recipients(), ["editor@example.com"])
        self.assertTrue(mail.outbox[0].subject.startswith("[Test] "))
        self.assertFalse(Delivery.objects.exists())


class ComposeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.live = ArticleFactory(headline="Live story", standfirst="What happened.")
        cls.draft = ArticleFactory(draft=True, headline="CANARY draft")
        cls.scheduled = ArticleFactory(scheduled=True, headline="CANARY scheduled")
        cls.expired = ArticleFactory(expired=True, headline="CANARY expired")
        cls.issue = IssueFactory()
        services.set_issue_articles(issue=cls.issue, article_ids=[cls.live.pk])

    def test_unpublished_articles_are_refused_and_the_issue_is_unchanged(self):
        for article in [self.draft, self.scheduled, self.expired]:
            with self.assertRaisesMessage(ValidationError, "Only published articles"):
                services.set_issue_articles(
                    issue=self.issue, article_ids=[self.live.pk, article.pk]
                )
        self.assertEqual(list(self.issue.articles.all()), [self.live])

    def test_an_article_taken_down_after_composing_never_goes_out(self):
        services.set_issue_articles(issue=self.issue, article_ids=[self.live.pk])
        type(self.live).objects.filter(pk=self.live.pk).update(status="draft")
        rendered = emails.render_issue(self.issue)
        self.assertNotIn("Live story", rendered.html)
        self.assertNotIn("Live story", rendered.text)

    def test_rendered_issue_is_table_based_inlined_small_with_a_text_part(self):
        rendered = emails.render_issue(self.issue)
        self.assertIn('role="presentation"', rendered.html)
        self.assertRegex(rendered.html, r'<td class="story" style="[^"]*padding')
        self.assertIn("prefers-color-scheme: dark", rendered.html)
        self.assertNotIn("CANARY", rendered.html)
        self.assertLess(rendered.size, conf.GMAIL_CLIP_BYTES)
        self.assertIn("Live story", rendered.text)
        self.assertIn("What happened.", rendered.text)
        self.assertIn("Good morning.\n\nHere is the news.", rendered.text)
        self.assertNotRegex(rendered.text, r"<(?!http|%%)")  # no markup, only <links>

    def test_click_redirect_counts_without_recording_who(self):
        url = emails.tracked(self.issue, "https://news.example.com/story/")
        path = "/" + url.split("/", 3)[3]
        response = self.client.get(path)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "https://news.example.com/story/")
        self.client.get(path)
        self.assertEqual(LinkClick.objects.get().count, 2)
        self.assertEqual(self.client.get(path[:-4] + "xx/").status_code, 404)
        self.assertEqual(LinkClick.objects.get().count, 2)

    def test_sent_issue_cannot_be_recomposed(self):
        Issue.objects.filter(pk=self.issue.pk).update(status=IssueStatus.SENT)
        self.issue.refresh_from_db()
        with self.assertRaisesMessage(ValidationError, services.NOT_DRAFT):
            services.set_issue_articles(issue=self.issue, article_ids=[])
        self.assertEqual(self.issue.items.count(), 1)


class DigestTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.newsletter = NewsletterFactory()
        cls.politics = ArticleFactory(headline="Politics", section__slug="politics")
        cls.sport = ArticleFactory(headline="Sport", section__slug="sport")
        cls.tagged = ArticleFactory(
            headline="Tagged sport", section=cls.sport.section, tags=["vote"]
        )
        ArticleFactory(draft=True, headline="CANARY draft", section=cls.politics.section)
        cls.old = ArticleFactory(headline="Old", section=cls.politics.section)
        type(cls.old).objects.filter(pk=cls.old.pk).update(
            published_at=timezone.now() - timedelta(days=3)
        )
        IssueFactory(newsletter=cls.newsletter, send_started_at=timezone.now() - timedelta(days=1))

    def headlines(self, issue):
        return [a.headline for a in emails.issue_articles(issue)]

    def test_digest_takes_published_stories_since_the_last_issue_from_its_sections_and_tags(self):
        self.newsletter.digest_sections.add(self.politics.section)
        self.newsletter.digest_tags.add(self.tagged.tags.get())
        issue = IssueFactory(newsletter=self.newsletter)
        self.assertEqual(services.compose_digest(issue=issue), 2)
        self.assertEqual(self.headlines(issue), ["Tagged sport", "Politics"])

    def test_digest_without_sections_or_tags_takes_every_story(self):
        issue = IssueFactory(newsletter=self.newsletter)
        services.compose_digest(issue=issue)
        self.assertEqual(self.headlines(issue), ["Tagged sport", "Sport", "Politics"])
