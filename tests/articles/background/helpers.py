"""Shared by the task-queue tests: the database backend, and task rows in a given state."""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "images"]}
}


def running(task, *, worker_ids, started_ago, **kwargs) -> DBTaskResult:
    """Enqueue `task` and mark it claimed by `worker_ids` `started_ago` seconds ago."""
    result = task.enqueue(**kwargs)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        worker_ids=worker_ids,
        started_at=timezone.now() - timedelta(seconds=started_ago),
    )
    return DBTaskResult.objects.get(pk=result.id)
