"""Is the site able to work: the database, Redis (when configured), and a queue that moves.

`checks()` feeds `/healthz` (load balancers, uptime monitors); `queue_summary()` feeds the
dashboard. The queue is "stuck" when a task has been ready for longer than
`conf.stuck_after_seconds()` and no worker has a fresh heartbeat.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.tasks import task_backends
from django.utils import timezone

from articles.background import conf
from articles.background.heartbeat import live_workers


def _uses_database_queue() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def _redis_url() -> str | None:
    for cache in settings.CACHES.values():
        if "redis" in cache.get("BACKEND", "").lower():
            location = cache.get("LOCATION")
            return location[0] if isinstance(location, list | tuple) else location
    return None


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    url = _redis_url()
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def queue_summary(now=None) -> dict:
    """Queue depth, the oldest ready task's age, live workers and the last day's failures."""
    from django_tasks_db.models import DBTaskResult

    from articles.background.models import TaskFailure

    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    oldest = ready.aggregate(at=Min("enqueued_at"))["at"]
    return {
        "ready": ready.count(),
        "running": DBTaskResult.objects.running().count(),
        "oldest_ready_at": oldest,
        "oldest_ready_seconds": round((now - oldest).total_seconds()) if oldest else 0,
        "live_workers": list(
            live_workers(now).values("worker_id", "hostname", "pid", "last_seen_at")
        ),
        "failures_last_day": TaskFailure.objects.filter(
            failed_at__gte=now - timedelta(days=1)
        ).count(),
    }


def check_queue(now=None) -> tuple[bool, dict]:
    """(healthy, figures) for the task queue; always healthy when tasks run inline."""
    if not _uses_database_queue():
        return True, {"status": "not used"}
    summary = queue_summary(now)
    stuck = (
        summary["oldest_ready_seconds"] > conf.stuck_after_seconds() and not summary["live_workers"]
    )
    return not stuck, {
        "status": "stuck" if stuck else "ok",
        "ready": summary["ready"],
        "oldest_ready_seconds": summary["oldest_ready_seconds"],
        "live_workers": len(summary["live_workers"]),
    }


def checks() -> tuple[bool, dict]:
    """(healthy, body) for `/healthz`. Errors are named by their class only: the endpoint is
    public, and the logs have the rest."""
    body, healthy = {}, True
    for name, check in (("database", check_database), ("redis", check_redis)):
        try:
            body[name] = check()
        except Exception as exc:
            healthy, body[name] = False, f"error: {type(exc).__name__}"
    if body["database"] == "ok":
        try:
            queue_ok, body["queue"] = check_queue()
            healthy = healthy and queue_ok
        except Exception as exc:
            healthy, body["queue"] = False, {"status": f"error: {type(exc).__name__}"}
    else:
        body["queue"] = {"status": "unknown"}
    return healthy, {"status": "ok" if healthy else "fail", **body}
