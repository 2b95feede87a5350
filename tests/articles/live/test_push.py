"""Notifying a live story's followers from the composer: a web push of the newest update to
the topic `live:<article id>`, decrypted by the loopback push service; its counts on the page."""

from django.test import TestCase

from articles.live.models import EntryStatus
from articles.live.services import NOTHING_TO_PUSH, set_state
from articles.models import AuditEntry
from articles.push.models import PushSend
from tests.articles.push.keys import PUBLIC, push_on
from tests.articles.push.pushservice import PushService
from tests.articles.push.test_sending import subscribe
from tests.factories import ArticleFactory

from .helpers import coverage, editor, entry, writer


class LivePushTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.writer = writer()
        cls.article = ArticleFactory(headline="Flood warning")
        cls.live = coverage(cls.article)
        cls.change = f"/admin/live/livecoverage/{cls.live.pk}/change/"
        cls.send_url = f"/admin/live/livecoverage/{cls.live.pk}/push/"

    def setUp(self):
        self.service = PushService(PUBLIC)
        self.addCleanup(self.service.stop)
        settings = push_on()
        settings.enable()
        self.addCleanup(settings.disable)

    def test_followers_get_the_newest_update_and_the_page_shows_the_counts(self):
        entry(self.live, headline="Old news", minutes_ago=30)
        newest = entry(self.live, headline="Levee holds", minutes_ago=1)
        entry(self.live, status=EntryStatus.DRAFT, headline="Draft, never pushed")
        followers = [self.service.client() for _ in range(3)]
        for follower in followers:
            subscribe(follower, f"live:{self.article.pk}")
        subscribe(self.service.client(), "breaking")  # not a follower of this story
        self.client.force_login(self.editor)
        page = self.client.get(self.change)
        self.assertContains(page, f'action="{self.send_url}"')
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.send_url)
        self.assertRedirects(response, self.change, fetch_redirect_response=False)
        got = self.service.received
        assert len(got) == 3 and all(r.status == 201 for r in got)
        assert {r.payload["title"] for r in got} == {"Flood warning"}
        assert {r.payload["body"] for r in got} == {"Levee holds"}
        assert all(r.payload["url"].endswith(f"#entry-{newest.pk}") for r in got)
        send = PushSend.objects.get()
        assert (send.topic, send.delivered, send.failed) == (f"live:{self.article.pk}", 3, 0)
        assert AuditEntry.objects.filter(article=self.article, action="live_push").count() == 1
        self.assertContains(self.client.get(self.change), "3 delivered, 0 failed")

    def test_nothing_to_push_before_an_update_is_published(self):
        entry(self.live, status=EntryStatus.DRAFT)
        self.client.force_login(self.editor)
        response = self.client.post(self.send_url, follow=True)
        self.assertContains(response, NOTHING_TO_PUSH)
        assert not PushSend.objects.exists()
        assert not AuditEntry.objects.filter(action="live_push").exists()

    def test_writers_cannot_send_and_get_does_nothing(self):
        entry(self.live)
        self.client.force_login(self.writer)
        self.assertNotContains(self.client.get(self.change), 'action="' + self.send_url)
        self.client.post(self.send_url)
        self.client.force_login(self.editor)
        assert self.client.get(self.send_url).status_code == 405
        assert not PushSend.objects.exists()

    def test_the_reader_page_offers_the_live_topic_until_coverage_ends(self):
        entry(self.live)
        page = self.client.get(self.article.get_absolute_url())
        self.assertContains(page, f'data-push-live="{self.article.pk}"')
        set_state(coverage=self.live, state="ended", by=self.editor)
        page = self.client.get(self.article.get_absolute_url())
        self.assertNotContains(page, "data-push-live")
