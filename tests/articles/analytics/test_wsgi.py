"""The beacon's fast path in front of Django (articles/analytics/wsgi.py): what gunicorn serves.

Hits are answered without Django's handler (no request signals) by the same rule as the view,
with the security middleware's headers; anything Django must judge goes to Django.
"""

import io
from urllib.parse import urlencode

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import TestCase, override_settings

from articles.analytics import services
from articles.analytics.models import DailyCount, ReferrerCount
from articles.analytics.store import MEMORY
from newsroom.wsgi import application
from tests.articles.analytics.helpers import (
    FIREFOX,
    READER_IP,
    REDIS_PREFIX,
    REDIS_URL,
    clear_stores,
    post,
)
from tests.articles.analytics.test_beacon import BOTS, PREFETCHES
from tests.factories import ArticleFactory

REDIS = {
    "NEWSROOM_ANALYTICS_REDIS_URL": REDIS_URL,
    "NEWSROOM_ANALYTICS_REDIS_PREFIX": REDIS_PREFIX,
}


def call(fields=None, *, method="POST", host="testserver", body=None, **environ):
    """(status, headers, body, whether Django's handler ran) for one WSGI request."""
    data = (urlencode(fields or {}) if body is None else body).encode()
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/analytics/hit",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": READER_IP,
        "HTTP_USER_AGENT": FIREFOX,
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "CONTENT_TYPE": "application/x-www-form-urlencoded;charset=UTF-8",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **environ,
    }
    answered = {}
    started = []

    def start_response(status, headers, exc_info=None):
        answered["status"], answered["headers"] = status, headers

    def saw(**kwargs):
        started.append(True)

    # As Django's test client does: the test's transaction keeps its connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(saw)
    try:
        chunks = application(env, start_response)
        content = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
    finally:
        request_started.disconnect(saw)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(answered["status"][:3]), dict(answered["headers"]), content, bool(started)


@override_settings(**REDIS)
class FastPathTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory()

    def setUp(self):
        clear_stores()

    def tearDown(self):
        clear_stores()

    def hit(self, **fields):
        return call({"t": "view", "a": str(self.article.pk), "r": "", **fields})

    def test_a_hit_is_answered_and_counted_without_djangos_handler(self):
        with self.assertNumQueries(0):
            status, headers, body, django = self.hit(r="news.example.org")
        self.assertEqual((status, body, django), (204, b"", False))
        self.assertEqual(headers["Cache-Control"], "no-store")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("Referrer-Policy", headers)
        self.assertNotIn("Set-Cookie", headers)
        self.assertNotIn("Content-Length", headers)  # none on a 204 (RFC 9110)
        self.assertEqual(call({"t": "leave", "a": str(self.article.pk), "s": "30"})[0], 204)
        services.flush()
        day = DailyCount.objects.get(article=self.article)
        self.assertEqual((day.views, day.visitors, day.engaged_seconds), (1, 1, 30))
        self.assertEqual(ReferrerCount.objects.get().host, "news.example.org")

    def test_bad_input_gets_the_views_answers(self):
        pk = str(self.article.pk)
        cases = [
            {},
            {"a": "abc"},
            {"a": "0"},
            {"a": "99999999999"},
            {"a": "１２"},
            {"a": pk, "t": "click"},
            {"a": pk, "r": "not a host!"},
            {"a": pk, "t": "leave", "s": "x"},
            {"a": pk, "r": "x" * 700},  # over the size limit
        ]
        for fields in cases:
            with self.subTest(fields=fields):
                data = {"t": "view", **fields}
                status, headers, _, django = call(data)
                through_django = post(self.client, data, HTTP_USER_AGENT=FIREFOX)
                self.assertEqual((status, django), (400, False))
                self.assertEqual(through_django.status_code, status)
                self.assertEqual(headers["Content-Length"], "0")
        for content_type in ("application/json", "multipart/form-data; boundary=x", ""):
            with self.subTest(content_type=content_type):
                status = call({"a": pk}, CONTENT_TYPE=content_type)[0]
                self.assertEqual(status, 400)
        services.flush()
        self.assertFalse(DailyCount.objects.exists())

    def test_bots_prefetches_and_other_sites_are_answered_not_counted(self):
        for agent in BOTS:
            with self.subTest(agent=agent):
                status = call({"t": "view", "a": str(self.article.pk)}, HTTP_USER_AGENT=agent)[0]
                self.assertEqual(status, 204)
        for extra in PREFETCHES:
            with self.subTest(extra=extra):
                self.assertEqual(call({"t": "view", "a": str(self.article.pk)}, **extra)[0], 204)
        services.flush()
        self.assertFalse(DailyCount.objects.exists())

    def test_what_django_must_judge_goes_to_django(self):
        get = call(method="GET")
        self.assertEqual((get[0], get[3]), (405, True))
        other_path = call({"a": "1"}, PATH_INFO="/analytics/hit/")
        self.assertTrue(other_path[3])
        bad_host = call({"t": "view", "a": str(self.article.pk)}, host="evil.example")
        self.assertEqual((bad_host[0], bad_host[3]), (400, True))
        with override_settings(SECURE_SSL_REDIRECT=True):
            # Django's own handler redirects it (its security middleware read the setting when
            # the application was built, so in this process it answers; what matters here is
            # that the fast path did not).
            self.assertTrue(call({"t": "view", "a": str(self.article.pk)})[3])
            secure = call({"t": "view", "a": str(self.article.pk)}, **{"wsgi.url_scheme": "https"})
            self.assertEqual((secure[0], secure[3]), (204, False))

    @override_settings(
        SECURE_HSTS_SECONDS=3600, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=False
    )
    def test_https_hits_carry_hsts_as_pages_do(self):
        status, headers, _, _ = call(
            {"t": "view", "a": str(self.article.pk)}, **{"wsgi.url_scheme": "https"}
        )
        self.assertEqual(status, 204)
        self.assertEqual(headers["Strict-Transport-Security"], "max-age=3600; includeSubDomains")
        self.assertNotIn("Strict-Transport-Security", self.hit()[1])

    @override_settings(NEWSROOM_ANALYTICS_REDIS_URL="")
    def test_without_redis_django_answers_and_still_counts(self):
        status, _, _, django = self.hit()
        self.assertEqual((status, django), (204, True))
        services.flush()
        self.assertEqual(DailyCount.objects.get().views, 1)

    @override_settings(NEWSROOM_ANALYTICS_REDIS_URL="redis://127.0.0.1:1/0")
    def test_a_redis_outage_keeps_the_hit_in_memory_never_a_500(self):
        status, _, _, django = self.hit()
        self.assertEqual((status, django), (204, False))
        services.flush(store=MEMORY)
        self.assertEqual(DailyCount.objects.get().views, 1)
