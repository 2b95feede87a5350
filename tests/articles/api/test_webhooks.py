"""Webhooks against a real HTTP receiver thread on 127.0.0.1 that checks every signature."""

import http.server
import json
import threading

from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings

from articles import services as workflow
from articles.api import services
from articles.api.models import Webhook, WebhookDelivery, WebhookEvent
from articles.background.models import TaskFailure
from tests.articles.api.helpers import admin_user
from tests.factories import ArticleFactory, UserFactory


class Receiver:
    """A loopback HTTP server recording (event, body, signature valid) per POST."""

    def __init__(self, status=200):
        self.status, self.received, self.secret = status, [], None
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = services.verify(outer.secret, self.headers["Newsroom-Signature"], body)
                outer.received.append((self.headers["Newsroom-Event"], json.loads(body), valid))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@override_settings(NEWSROOM_WEBHOOKS_ALLOW_LOOPBACK=True, NEWSROOM_WEBHOOK_MAX_FAILURES=3)
class WebhookTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = admin_user()
        cls.editor = UserFactory(role="Editor")

    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)

    def register(self, events=tuple(WebhookEvent.values)):
        webhook = services.save_webhook(
            webhook=Webhook(url=self.receiver.url, events=list(events)), by=self.admin
        )
        self.receiver.secret = webhook.secret
        return webhook

    def test_publish_unpublish_and_corrections_are_delivered_signed_after_commit(self):
        webhook = self.register()
        standfirst = "A standfirst that is long enough for the pre-publish check."
        article = ArticleFactory(in_review=True, tags=["Ports"], standfirst=standfirst)
        with self.captureOnCommitCallbacks(execute=True):
            workflow.publish_now(article=article, by=self.editor)
            assert self.receiver.received == []  # nothing before the commit
        with self.captureOnCommitCallbacks(execute=True):
            workflow.add_correction(
                article=article, kind="correction", text="Fixed.", by=self.editor
            )
        with self.captureOnCommitCallbacks(execute=True):
            workflow.unpublish(article=article, by=self.editor)
        events = [(event, valid) for event, _, valid in self.receiver.received]
        assert events == [
            ("article.published", True),
            ("correction.added", True),
            ("article.unpublished", True),
        ]
        published = self.receiver.received[0][1]
        assert published["data"]["id"] == article.pk and published["data"]["url"].startswith("http")
        assert self.receiver.received[2][1]["data"] == {"id": article.pk}
        rows = WebhookDelivery.objects.filter(webhook=webhook).order_by("pk")
        assert [(r.event, r.status_code, r.attempt) for r in rows] == [
            ("article.published", 200, 1),
            ("correction.added", 200, 1),
            ("article.unpublished", 200, 1),
        ]

    def test_edits_of_live_articles_are_updates(self):
        self.register([WebhookEvent.ARTICLE_UPDATED])
        live = ArticleFactory()
        with self.captureOnCommitCallbacks(execute=True):
            workflow.record_edit(article=live, by=self.editor)
        with self.captureOnCommitCallbacks(execute=True):
            workflow.record_edit(article=ArticleFactory(draft=True), by=self.editor)
        assert [event for event, _, _ in self.receiver.received] == ["article.updated"]

    def test_failures_are_logged_and_disable_the_webhook(self):
        self.receiver.status = 500
        webhook = self.register([WebhookEvent.ARTICLE_UPDATED])
        for _ in range(4):
            with self.captureOnCommitCallbacks(execute=True):
                services.dispatch(WebhookEvent.ARTICLE_UPDATED, {"id": 1})
        webhook.refresh_from_db()
        codes = list(WebhookDelivery.objects.values_list("status_code", flat=True))
        assert codes == [500, 500, 500]  # the fourth found the webhook off
        assert not webhook.is_active and webhook.disabled_at is not None
        # The immediate backend cannot defer a retry: the failure is recorded at once.
        assert TaskFailure.objects.filter(task_name__contains="deliver_webhook").count() == 3

    def test_a_failed_attempt_is_retried_later_by_the_queue(self):
        self.receiver.status = 503
        webhook = self.register([WebhookEvent.ARTICLE_UPDATED])
        with override_settings(TASKS={"default": {
            "BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "images"]
        }}):  # fmt: skip
            from django_tasks_db.models import DBTaskResult

            try:
                services.deliver_webhook.call(
                    webhook_id=webhook.pk, event="article.updated", payload={"id": 1},
                    delivery_id="00000000-0000-0000-0000-000000000001",
                )  # fmt: skip
            except services.DeliveryFailed:
                pass
            queued = DBTaskResult.objects.get()
        assert queued.args_kwargs["kwargs"]["attempt"] == 2
        assert queued.run_after is not None

    def test_redeliver_from_the_admin(self):
        webhook = self.register([WebhookEvent.ARTICLE_UPDATED])
        with self.captureOnCommitCallbacks(execute=True):
            services.dispatch(WebhookEvent.ARTICLE_UPDATED, {"id": 7})
        delivery = WebhookDelivery.objects.get()
        self.client.force_login(self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                "/admin/api/webhookdelivery/",
                {"action": "redeliver", "_selected_action": [delivery.pk]},
            )
        assert response.status_code == 302
        rows = WebhookDelivery.objects.filter(webhook=webhook)
        assert rows.count() == 2 and {r.delivery_id for r in rows} == {delivery.delivery_id}
        assert len(self.receiver.received) == 2 and all(v for _, _, v in self.receiver.received)

    def test_signatures_fail_when_anything_changes(self):
        header = services.sign("s3cret", 1_700_000_000, b'{"a":1}')
        assert services.verify("s3cret", header, b'{"a":1}', now=1_700_000_010)
        assert not services.verify("s3cret", header, b'{"a":2}', now=1_700_000_010)
        assert not services.verify("other", header, b'{"a":1}', now=1_700_000_010)
        assert not services.verify("s3cret", header, b'{"a":1}', now=1_700_009_999)


class AddressTests(TestCase):
    def test_only_public_http_addresses(self):
        for url in [
            "ftp://example.com/hook",
            "file:///etc/passwd",
            "http://127.0.0.1:8000/hook",
            "http://localhost/hook",
            "http://10.0.0.5/hook",
            "http://192.168.1.1/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://0.0.0.0/hook",
            "http://100.64.0.1/hook",
        ]:
            with self.subTest(url=url), self.assertRaises(ValidationError):
                services.vetted_address(url)

    @override_settings(NEWSROOM_WEBHOOKS_ALLOW_LOOPBACK=True)
    def test_loopback_only_when_allowed_and_never_private(self):
        assert services.vetted_address("http://127.0.0.1:9/hook")[2] == "127.0.0.1"
        with self.assertRaises(ValidationError):
            services.vetted_address("http://10.0.0.5/hook")

    def test_administrators_only_and_known_events(self):
        from django.core.exceptions import PermissionDenied

        with self.assertRaises(PermissionDenied):
            services.save_webhook(
                webhook=Webhook(url="https://example.com/h"), by=UserFactory(role="Editor")
            )
        with (
            override_settings(NEWSROOM_WEBHOOKS_ALLOW_LOOPBACK=True),
            self.assertRaises(ValidationError),
        ):
            services.save_webhook(
                webhook=Webhook(url="http://127.0.0.1/h", events=["nope"]), by=admin_user()
            )
