"""The demo's newsletters: two newsletters, confirmed readers and a sent issue, made once."""

from django.core.management import call_command
from django.test import TestCase

from articles.newsletters.models import Delivery, Issue, IssueStatus, Newsletter, Subscription
from tests.factories import ArticleFactory


class SeedNewslettersTests(TestCase):
    def test_seed_makes_two_newsletters_and_a_sent_issue_once(self):
        ArticleFactory.create_batch(3)
        ArticleFactory(draft=True, headline="CANARY draft")
        call_command("seed_newsletters")
        call_command("seed_newsletters")
        self.assertEqual(Newsletter.objects.count(), 2)
        issue = Issue.objects.get()
        self.assertEqual(issue.status, IssueStatus.SENT)
        self.assertEqual(issue.articles.count(), 3)
        self.assertFalse(issue.articles.filter(headline__startswith="CANARY").exists())
        active = Subscription.objects.active().filter(newsletter=issue.newsletter).count()
        self.assertEqual(Delivery.objects.filter(issue=issue).count(), active)

    def test_newsletters_page_and_admin_reports_show_the_demo(self):
        ArticleFactory()
        call_command("seed_newsletters")
        self.assertContains(self.client.get("/newsletters/"), "Morning briefing")
