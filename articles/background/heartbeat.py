"""A row per task worker with its last sign of life, written from a thread beside the work.

The reaper takes a task back only from a worker whose heartbeat stopped, so a slow task of a
live worker is left alone however long it runs.
"""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.utils import timezone

from articles.background import conf
from articles.background.faults import close_connections
from articles.background.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def live_workers(now=None):
    """Workers whose last heartbeat is recent enough for them to count as alive."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=conf.dead_after_seconds())
    return WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff)


def beat(*, worker_id: str, current_task_id: str = "", started_at=None) -> None:
    """Record that `worker_id` is alive now (and what it is running)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen_at=now, current_task_id=current_task_id
    )
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": started_at or now,
                "last_seen_at": now,
                "current_task_id": current_task_id,
            },
        )


class Heartbeat:
    """Beats for a worker every `conf.heartbeat_seconds()` on its own thread (and its own
    database connection), until stopped. A failed beat is logged and tried again next time."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.current_task_id = ""
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self.beat_now()
        self._thread.start()

    def beat_now(self) -> bool:
        try:
            beat(
                worker_id=self.worker_id,
                current_task_id=self.current_task_id,
                started_at=self.started_at,
            )
            return True
        except Exception as exc:
            logger.warning("Worker %s could not write its heartbeat: %s", self.worker_id, exc)
            close_connections()
            return False

    def _run(self) -> None:
        try:
            while not self._stop.wait(conf.heartbeat_seconds()):
                self.beat_now()
        finally:
            close_connections()

    def stop(self) -> None:
        """Stop beating and remove the row: a worker that stops cleanly is not 'dead'."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=conf.heartbeat_seconds() + 5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception as exc:
            logger.warning("Worker %s could not remove its heartbeat: %s", self.worker_id, exc)
