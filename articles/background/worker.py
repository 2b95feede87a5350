"""The task worker that survives: django-tasks-db's `Worker`, made to outlive its database.

`db_worker` exits when its connection is terminated while a task runs, leaving the task
RUNNING for ever. This worker instead
- treats any error of its loop (a lost connection above all) as passing: it drops its
  connections, waits with exponential backoff and jitter, and carries on;
- puts a task it was running when the connection went back in the queue (and any task it
  claimed without hearing back), to run again from the start: our tasks are idempotent;
- writes a heartbeat from a thread (`heartbeat`), so the reaper leaves its slow tasks alone;
- between tasks, every few seconds, runs the reaper and the recurring jobs (`reaper`,
  `recurring`), so a site needs only workers.
"""

import logging
import random
import time

from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections, connections, transaction
from django.db.utils import OperationalError
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from articles.background import conf
from articles.background.faults import close_connections, connection_lost
from articles.background.heartbeat import Heartbeat
from articles.background.reaper import reap, requeue_or_fail
from articles.background.recurring import run_due_jobs

logger = logging.getLogger(__name__)

# The longest wait between two tries to reach the database again, in seconds.
MAX_BACKOFF = 30.0
APPLICATION_NAME = "newsroom-worker"


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failures in a row: 0.5, 1, 2, 4 … up to MAX_BACKOFF,
    each between half and all of it (so that many workers do not all come back at once)."""
    return min(MAX_BACKOFF, 0.5 * 2 ** (failures - 1)) * random.uniform(0.5, 1.0)  # noqa: S311


def name_connections(worker_id: str) -> str:
    """Name this process's PostgreSQL connections after the worker (`pg_stat_activity`'s
    application_name), so that an operator can find, and a test terminate, its backends."""
    name = f"{APPLICATION_NAME} {worker_id}"[:63]
    for alias in connections:
        settings_dict = connections.settings[alias]
        if settings_dict["ENGINE"].endswith("postgresql"):
            settings_dict.setdefault("OPTIONS", {})["application_name"] = name
    close_connections()
    return name


class Worker(db_worker.Worker):
    """django-tasks-db's worker with recovery, requeueing, a heartbeat and housekeeping."""

    def __init__(self, *, housekeeping: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.housekeeping = housekeeping
        self.heartbeat = Heartbeat(self.worker_id)
        self.failures = 0  # in a row
        self.recovering = False  # a failure happened: look for tasks left claimed
        self.next_housekeeping = 0.0

    def run(self) -> None:
        logger.info("Starting worker %s (queues %s)", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 (no thundering herd)
        self.heartbeat.start()
        try:
            while self.running:
                try:
                    worked = self.step()
                except Exception as exc:
                    self.failures += 1
                    self.recovering = True
                    delay = backoff(self.failures)
                    logger.warning(
                        "Worker %s: %s (%s); trying again in %.1fs",
                        self.worker_id,
                        type(exc).__name__,
                        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                        delay,
                    )
                    close_connections()
                    time.sleep(delay)
                    continue
                self.failures = 0
                if worked is None:
                    return
                if self.running and not worked:
                    time.sleep(self.interval)
        finally:
            self.heartbeat.stop()
            close_connections()

    def step(self) -> bool | None:
        """Claim and run one task: True if one ran, False if none was ready, None when the
        worker is done (--batch with an empty queue, or --max-tasks reached)."""
        close_old_connections()
        if self.recovering:
            self.requeue_mine(reason="its worker lost the database connection")
            self.recovering = False
        if self.housekeeping and time.monotonic() >= self.next_housekeeping:
            self.housekeep()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            return False  # SQLite busy: it unlocks soon
        if task_result is None:
            if self.batch:
                logger.info("No more tasks for worker %s: exiting.", self.worker_id)
                return None
            return False
        self.run_task(task_result)
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Ran %d tasks on worker %s: exiting.", self._run_tasks, self.worker_id)
            return None
        return True

    def housekeep(self) -> None:
        """Take back abandoned tasks and run the recurring jobs that are due."""
        self.next_housekeeping = time.monotonic() + conf.reap_seconds()
        for name, work in (
            ("reaper", reap),
            ("recurring jobs", lambda: run_due_jobs(worker_id=self.worker_id)),
        ):
            try:
                work()
            except Exception as exc:
                if connection_lost(exc):
                    raise
                logger.exception("Worker %s: the %s failed", self.worker_id, name)
                close_old_connections()

    def requeue_mine(self, *, reason: str) -> int:
        """Put back every task still marked running by this worker (it runs none right now):
        the one interrupted by the failure, or one claimed as the connection went."""
        running = DBTaskResult.objects.running().values_list("pk", "worker_ids")
        mine = [pk for pk, worker_ids in running if worker_ids and worker_ids[-1] == self.worker_id]
        for pk in mine:
            with transaction.atomic():
                result = DBTaskResult.objects.running().select_for_update().filter(pk=pk).first()
                if result is not None:
                    requeue_or_fail(result, reason=reason)
        return len(mine)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run a claimed task and record its outcome, as django-tasks-db does, except that a
        lost connection or a forced stop puts the task back instead of failing it."""
        self.heartbeat.current_task_id = str(db_task_result.pk)
        self.running_task = True
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            args, kwargs = task_result.args, task_result.kwargs
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *args, **kwargs)
            else:
                value = task.call(*args, **kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (KeyboardInterrupt, SystemExit):
            try:  # stopped by force mid-task: back to the queue (else the reaper does it)
                close_connections()
                self.requeue_mine(reason="its worker was stopped mid-task")
            except Exception:
                logger.exception("Worker %s could not requeue its task", self.worker_id)
            raise
        except Exception as exc:
            if connection_lost(exc):
                raise  # the loop reconnects and requeues it
            db_task_result.set_failed(exc)
            try:
                sender = type(db_task_result.task.get_backend())
                finished = db_task_result.task_result
            except (ImportError, SuspiciousOperation):
                logger.exception("Task %s failed unexpectedly", db_task_result.pk)
            else:
                task_finished.send(sender=sender, task_result=finished)
        finally:
            self.running_task = False
            self._run_tasks += 1
            self.heartbeat.current_task_id = ""
