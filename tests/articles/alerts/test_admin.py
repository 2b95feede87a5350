"""The desk: editors set alerts through the admin (services underneath, links checked) and
send one as push, then see its delivered and failed counts on the alert."""

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from articles.alerts.models import Alert, AlertEvent
from articles.push.models import PushSend, PushSubscription, PushTopic
from tests.articles.push.keys import PUBLIC, push_on
from tests.articles.push.pushservice import PushService
from tests.factories import UserFactory


class AlertAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="deskeditor", role="Editor")
        cls.writer = UserFactory(username="deskwriter", role="Writer")
        now = timezone.now()
        cls.alert = Alert.objects.create(
            text="Quake hits the coast", url="/quake/", starts_at=now - timedelta(minutes=5),
            expires_at=now + timedelta(hours=2),
        )  # fmt: skip

    def form(self, **change):
        now = timezone.now()
        data = {
            "text": "Storm warning", "url": "/storm/", "level": "breaking",
            "starts_at_0": now.strftime("%Y-%m-%d"), "starts_at_1": now.strftime("%H:%M:%S"),
            "expires_at_0": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
            "expires_at_1": now.strftime("%H:%M:%S"), "section": "",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        }  # fmt: skip
        data.update(change)
        return data

    def test_an_editor_adds_an_alert_through_the_service(self):
        self.client.force_login(self.editor)
        response = self.client.post("/admin/alerts/alert/add/", self.form())
        assert response.status_code == 302, response.content.decode()[:2000]
        alert = Alert.objects.get(text="Storm warning")
        assert alert.created_by == self.editor
        assert AlertEvent.objects.filter(alert=alert, action="created", by=self.editor).exists()

    def test_a_javascript_link_is_refused_with_a_message_and_nothing_saved(self):
        self.client.force_login(self.editor)
        count = Alert.objects.count()
        response = self.client.post("/admin/alerts/alert/add/", self.form(url="javascript:x"))
        assert response.status_code == 200
        assert "The link must be a page of this site" in response.content.decode()
        assert Alert.objects.count() == count and AlertEvent.objects.count() == 0

    def test_a_writer_has_no_alerts_desk(self):
        self.client.force_login(self.writer)
        assert self.client.get("/admin/alerts/alert/").status_code == 403
        response = self.client.post("/admin/alerts/alert/add/", self.form())
        assert response.status_code == 403
        assert not Alert.objects.filter(text="Storm warning").exists()

    def test_send_as_push_reaches_subscribers_and_shows_the_counts(self):
        service = PushService(PUBLIC)
        self.addCleanup(service.stop)
        for behaviour in ["ok", "ok", "gone"]:
            reader = service.client(behaviour)
            sub = PushSubscription.objects.create(
                endpoint=reader.endpoint, p256dh=reader.p256dh, auth=reader.auth_b64
            )
            PushTopic.objects.create(subscription=sub, topic="breaking")
        self.client.force_login(self.editor)
        with push_on(), self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                "/admin/alerts/alert/",
                {"action": "send_as_push", "_selected_action": [self.alert.pk]},
            )
        assert response.status_code == 302
        send = PushSend.objects.get()
        assert (send.topic, send.source, send.created_by) == (
            "breaking", f"alert:{self.alert.pk}", self.editor
        )  # fmt: skip
        assert (send.status, send.delivered, send.failed, send.pruned) == ("done", 2, 0, 1)
        assert {r.payload["body"] for r in service.received if r.payload} == {self.alert.text}
        assert AlertEvent.objects.filter(alert=self.alert, action="pushed").exists()
        page = self.client.get(f"/admin/alerts/alert/{self.alert.pk}/change/").content.decode()
        assert "2 delivered, 0 failed, 1 pruned (of 3)" in page

    def test_without_push_keys_the_action_is_not_offered(self):
        self.client.force_login(self.editor)
        with push_on(NEWSROOM_VAPID_PUBLIC_KEY=""):
            page = self.client.get("/admin/alerts/alert/").content.decode()
        assert "send_as_push" not in page
        with push_on():
            assert "send_as_push" in self.client.get("/admin/alerts/alert/").content.decode()
