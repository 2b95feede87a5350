"""`/healthz` (200 or 503, short JSON, never cached) and the dashboard's queue figures."""

import json
from datetime import timedelta

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.background import conf, heartbeat
from articles.background.models import TaskFailure
from articles.delivery.cache import purge_keys
from tests.articles.background.helpers import DB_TASKS
from tests.factories import UserFactory

NEVER_CACHED = "max-age=0, no-cache, no-store, must-revalidate, private"
DEAD_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Nothing listens on port 1: the connection is refused at once.
    "pages": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    },
}


class HealthzTests(TestCase):
    def get(self):
        response = self.client.get("/healthz")
        assert response["Content-Type"] == "application/json"
        assert response["Cache-Control"] == NEVER_CACHED
        assert "Expires" in response
        return response.status_code, json.loads(response.content)

    def test_all_well_with_tasks_run_inline(self):
        assert reverse("healthz") == "/healthz"
        assert self.get() == (
            200,
            {
                "status": "ok",
                "database": "ok",
                "redis": "not configured",
                "queue": {"status": "not used"},
            },
        )

    @override_settings(CACHES=DEAD_REDIS)
    def test_redis_down_answers_503_naming_only_the_error_class(self):
        status, body = self.get()
        assert status == 503
        assert body["status"] == "fail"
        assert body["redis"] == "error: ConnectionError"
        assert body["database"] == "ok"

    def test_a_reachable_redis_is_ok(self):
        import redis

        try:
            redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            self.skipTest("No Redis on 127.0.0.1:6379.")
        live = {
            **DEAD_REDIS,
            "pages": {**DEAD_REDIS["pages"], "LOCATION": "redis://127.0.0.1:6379/0"},
        }
        with self.settings(CACHES=live):
            status, body = self.get()
        assert (status, body["redis"]) == (200, "ok")


@override_settings(TASKS=DB_TASKS, NEWSROOM_QUEUE_STUCK_AFTER_SECONDS=600)
class QueueHealthTests(TestCase):
    def waiting(self, seconds):
        result = purge_keys.enqueue(["k"])
        DBTaskResult.objects.filter(pk=result.id).update(
            enqueued_at=timezone.now() - timedelta(seconds=seconds)
        )

    def test_a_ready_task_waiting_too_long_with_no_live_worker_is_stuck(self):
        self.waiting(700)
        response = self.client.get("/healthz")
        assert response.status_code == 503
        assert response["Cache-Control"] == NEVER_CACHED
        body = response.json()
        assert body["status"] == "fail"
        assert body["queue"]["status"] == "stuck"
        assert body["queue"]["ready"] == 1
        assert body["queue"]["live_workers"] == 0
        assert 690 <= body["queue"]["oldest_ready_seconds"] <= 720

    def test_a_long_queue_with_a_live_worker_is_busy_not_stuck(self):
        self.waiting(700)
        heartbeat.beat(worker_id="w1")
        response = self.client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["queue"]["status"] == "ok"
        assert response.json()["queue"]["live_workers"] == 1

    def test_a_fresh_task_with_no_worker_yet_is_fine(self):
        self.waiting(60)
        assert self.client.get("/healthz").status_code == 200

    def test_a_dead_workers_heartbeat_does_not_count(self):
        self.waiting(700)
        heartbeat.beat(worker_id="w1")
        heartbeat.live_workers().update(
            last_seen_at=timezone.now() - timedelta(seconds=conf.dead_after_seconds() + 5)
        )
        assert self.client.get("/healthz").status_code == 503

    def test_the_dashboard_shows_the_queue(self):
        self.waiting(125)
        heartbeat.beat(worker_id="worker-on-box-1")
        TaskFailure.objects.create(task_name="send_notification", error="SMTPError: down")
        self.client.force_login(UserFactory(username="ed", role="Editor"))
        response = self.client.get(reverse("admin:articles_article_dashboard"))
        self.assertContains(response, '<section id="task-queue">')
        self.assertContains(response, "1 waiting")
        self.assertContains(response, "oldest for 2\xa0minutes")
        self.assertContains(response, "worker-on-box-1")
        self.assertContains(response, "1 failure in the last day")
