"""Tasks left running by a worker that died go back to the queue, a few times at most.

A task counts as abandoned when it has run longer than its timeout (`conf.task_timeout`) and
the worker that claimed it has no fresh heartbeat (killed, machine gone, or a plain
`db_worker`, which does not beat) or beats while naming another task. It is made ready
again, to run from the start (tasks are idempotent), unless it has been started
`conf.max_attempts()` times already: then it is marked failed and recorded as a
`TaskFailure`, like any task that failed on its last attempt.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.background import conf
from articles.background.heartbeat import live_workers
from articles.background.models import TaskFailure

logger = logging.getLogger(__name__)

ABANDONED = "articles.background.reaper.TaskAbandoned"


class TaskAbandoned(Exception):
    """A task whose worker stopped (died or lost the database) too many times."""


def requeue_or_fail(result: DBTaskResult, *, reason: str, now=None) -> str:
    """Make a running task ready again, or fail it for good after its last attempt.

    The caller holds the row (select_for_update) or knows nobody else runs it. Returns
    "requeued" or "failed".
    """
    now = now or timezone.now()
    attempts = len(result.worker_ids)
    if attempts < conf.max_attempts():
        DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY
        )
        logger.warning(
            "Task %s (%s) requeued after attempt %d: %s",
            result.pk,
            result.task_path,
            attempts,
            reason,
        )
        return "requeued"
    message = f"Abandoned after {attempts} attempt(s): {reason}"
    DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=ABANDONED,
        traceback=f"{ABANDONED}: {message}\n",
        return_value=None,
    )
    TaskFailure.objects.create(
        task_name=result.task_path.rsplit(".", 1)[-1],
        arguments=result.args_kwargs.get("kwargs") or {"args": result.args_kwargs.get("args")},
        attempts=attempts,
        error=f"TaskAbandoned: {message}"[:2000],
    )
    logger.error("Task %s (%s) failed: %s", result.pk, result.task_path, message)
    return "failed"


def reap(*, now=None) -> dict[str, int]:
    """Take back every abandoned task (see the module doc). Safe on any number of workers at
    once: each row is handled under `SELECT … FOR UPDATE SKIP LOCKED`."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0}
    # A live worker's heartbeat names the task it runs: one it has not named for a whole
    # timeout is not being run by it (claimed as its connection went, say).
    alive = dict(live_workers(now).values_list("worker_id", "current_task_id"))
    shortest = min(conf.task_timeouts().values())
    candidates = DBTaskResult.objects.running().filter(
        started_at__lt=now - timedelta(seconds=shortest)
    )
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            result = (
                DBTaskResult.objects.running()
                .select_for_update(skip_locked=True)
                .filter(pk=pk)
                .first()
            )
            if result is None:
                continue
            worker = result.worker_ids[-1] if result.worker_ids else ""
            timeout = conf.task_timeout(result.task_path)
            if result.started_at >= now - timedelta(seconds=timeout):
                continue
            if worker in alive and alive[worker] == str(result.pk):
                continue  # slow, not abandoned
            reason = f"running for over {timeout:g}s and its worker {worker or '?'} " + (
                "is running something else" if worker in alive else "has no fresh heartbeat"
            )
            counts[requeue_or_fail(result, reason=reason, now=now)] += 1
    return counts
