"""Readers' side: subscribe and unsubscribe (validation, same-site only, rate limit, nothing
about the reader kept), the service worker at the root, and the prompt's script tag."""

import json

from django.core.cache import cache
from django.db import connection
from django.test import TestCase

from articles.push.models import PushSubscription, PushTopic
from tests.articles.push.keys import PUBLIC, push_on
from tests.articles.push.pushservice import PushService
from tests.factories import ArticleFactory, SectionFactory

HEADERS = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"}


@push_on(NEWSROOM_PUSH_SUBSCRIBES_PER_HOUR=1000)
class SubscribeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(slug="world")
        cls.article = ArticleFactory()
        cls.draft = ArticleFactory(draft=True)

    def setUp(self):
        cache.clear()
        service = PushService(PUBLIC)
        self.addCleanup(service.stop)
        self.reader = service.client()

    def body(self, **change):
        data = {
            "endpoint": self.reader.endpoint,
            "keys": {"p256dh": self.reader.p256dh, "auth": self.reader.auth_b64},
            "topics": ["breaking", "section:world", f"live:{self.article.pk}"],
        }
        data.update(change)
        return data

    def post(self, data, url="/push/subscribe", **headers):
        return self.client.post(
            url, json.dumps(data), content_type="application/json", **{**HEADERS, **headers}
        )

    def test_a_subscription_keeps_only_the_endpoint_keys_and_topics(self):
        response = self.post(self.body(), HTTP_USER_AGENT="Reader/1.0", REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 201
        assert response["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response
        assert response.json() == {
            "topics": sorted(["breaking", "section:world", f"live:{self.article.pk}"])
        }
        sub = PushSubscription.objects.get()
        assert (sub.endpoint, sub.p256dh, sub.auth) == (
            self.reader.endpoint, self.reader.p256dh, self.reader.auth_b64
        )  # fmt: skip
        fields = {f.name for f in PushSubscription._meta.concrete_fields}
        assert fields == {"id", "endpoint", "p256dh", "auth"}
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM push_pushsubscription")
            row = " ".join(map(str, cursor.fetchone()))
        assert "203.0.113" not in row and "Reader/1.0" not in row

    def test_subscribing_again_replaces_keys_and_topics(self):
        self.post(self.body())
        response = self.post(self.body(topics=["breaking"]))
        assert response.status_code == 201
        assert PushSubscription.objects.count() == 1
        assert list(PushTopic.objects.values_list("topic", flat=True)) == ["breaking"]

    def test_bad_input_gets_a_400_with_a_message_and_stores_nothing(self):
        auth = self.reader.auth_b64
        cases = [
            ({"endpoint": "https://evil.example/push/1"}, "endpoint"),
            ({"endpoint": "http://fcm.googleapis.com/x/1"}, "endpoint"),
            ({"endpoint": "https://10.0.0.1/push"}, "endpoint"),
            ({"endpoint": "javascript:alert(1)"}, "endpoint"),
            ({"endpoint": 12}, "endpoint"),
            ({"keys": {"p256dh": "AAAA", "auth": auth}}, "p256dh"),
            ({"keys": {"p256dh": "B" + "A" * 86, "auth": auth}}, "p256dh"),  # not on the curve
            ({"keys": {"p256dh": self.reader.p256dh, "auth": "short"}}, "auth"),
            ({"keys": {"p256dh": self.reader.p256dh, "auth": "!" * 22}}, "auth"),
            ({"keys": "x"}, "p256dh"),
            ({"topics": []}, "topics"),
            ({"topics": "breaking"}, "topics"),
            ({"topics": ["everything"]}, "Unknown topic"),
            ({"topics": ["section:nowhere"]}, "Unknown topic"),
            ({"topics": [f"live:{self.draft.pk}"]}, "Unknown topic"),
            ({"topics": ["breaking"] * 21}, "topics"),
        ]
        for change, words in cases:
            with self.subTest(change=change):
                response = self.post(self.body(**change))
                assert response.status_code == 400
                assert words in response.json()["error"]
        for raw in ["not json", "[1]"]:
            response = self.client.post(
                "/push/subscribe", raw, content_type="application/json", **HEADERS
            )
            assert response.status_code == 400
        response = self.client.post("/push/subscribe", self.body(), **HEADERS)  # a form
        assert response.status_code == 400
        assert PushSubscription.objects.count() == 0

    def test_a_cross_site_post_is_refused(self):
        for headers in [
            {"HTTP_SEC_FETCH_SITE": "cross-site"},
            {"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "same-origin"},
            {"HTTP_SEC_FETCH_SITE": "same-site"},
        ]:
            with self.subTest(headers=headers):
                response = self.client.post(
                    "/push/subscribe", json.dumps(self.body()),
                    content_type="application/json", **headers,
                )  # fmt: skip
                assert response.status_code == 403
        assert PushSubscription.objects.count() == 0

    def test_subscriptions_are_rate_limited_per_address(self):
        with push_on(NEWSROOM_PUSH_SUBSCRIBES_PER_HOUR=2):
            codes = [self.post(self.body()).status_code for _ in range(3)]
        assert codes == [201, 201, 429]

    def test_unsubscribe_forgets_the_endpoint(self):
        self.post(self.body())
        response = self.post({"endpoint": self.reader.endpoint}, url="/push/unsubscribe")
        assert response.status_code == 204
        assert PushSubscription.objects.count() == PushTopic.objects.count() == 0
        again = self.post({"endpoint": self.reader.endpoint}, url="/push/unsubscribe")
        assert again.status_code == 204

    def test_the_service_worker_is_served_at_the_root_scope(self):
        response = self.client.get("/sw.js")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/javascript"
        assert response["Service-Worker-Allowed"] == "/"
        assert response["Cache-Control"] == "no-cache"
        body = response.content.decode()
        assert 'addEventListener("push"' in body and "notificationclick" in body

    def test_pages_carry_the_prompt_script_with_the_public_key(self):
        response = self.client.get("/")
        html = response.content.decode()
        assert f'data-key="{PUBLIC}"' in html
        assert 'data-subscribe="/push/subscribe"' in html and 'data-worker="/sw.js"' in html


class PushOffTests(TestCase):
    def test_without_keys_there_is_no_prompt_worker_or_endpoint(self):
        with push_on(NEWSROOM_VAPID_PUBLIC_KEY="", NEWSROOM_VAPID_PRIVATE_KEY=""):
            assert "push/push.js" not in self.client.get("/").content.decode()
            assert self.client.get("/sw.js").status_code == 404
            response = self.client.post(
                "/push/subscribe", "{}", content_type="application/json", **HEADERS
            )
            assert response.status_code == 404
        assert PushSubscription.objects.count() == 0
