"""Retries with backoff for background work, and the record of work that failed for good.

A task wraps its work in `retried(...)`: an error enqueues the next attempt after
`RETRY_DELAYS` and, after the last attempt, records a `TaskFailure` that the dashboard and the
admin show.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from articles.background.faults import connection_lost
from articles.background.models import TaskFailure

logger = logging.getLogger(__name__)

# Seconds to wait before the second, third and fourth attempt.
RETRY_DELAYS = (60, 300, 1800)


@contextmanager
def retried(task_obj, *, attempt: int, **kwargs):
    """Run the block; on an error enqueue the next attempt with backoff, or record the failure.

    The error is raised again so that the queue records this attempt as failed too. A backend
    that cannot defer (the immediate one) gets no retry: the failure is recorded at once.
    """
    try:
        yield
    except Exception as exc:
        if connection_lost(exc):  # the worker puts this very task back (articles/background)
            raise
        can_retry = attempt <= len(RETRY_DELAYS) and task_obj.get_backend().supports_defer
        if can_retry:
            delay = RETRY_DELAYS[attempt - 1]
            logger.warning(
                "%s failed (attempt %d), retrying in %ds: %s", task_obj.name, attempt, delay, exc
            )
            task_obj.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                attempt=attempt + 1, **kwargs
            )
        else:
            logger.error("%s failed after %d attempt(s): %s", task_obj.name, attempt, exc)
            TaskFailure.objects.create(
                task_name=task_obj.name,
                arguments=kwargs,
                attempts=attempt,
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        raise
