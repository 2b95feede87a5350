"""The task queue's settings, each with its default (docs/background-work.md)."""

from django.conf import settings

# Seconds a task may run before the reaper takes it back from a worker that stopped beating.
DEFAULT_TASK_TIMEOUTS = {
    "default": 300,
    "articles.media.services.make_renditions": 900,
}


def heartbeat_seconds() -> float:
    """How often a worker writes its heartbeat."""
    return float(getattr(settings, "NEWSROOM_WORKER_HEARTBEAT_SECONDS", 10))


def dead_after_seconds() -> float:
    """A worker whose last heartbeat is older than this is taken for dead."""
    return float(getattr(settings, "NEWSROOM_WORKER_DEAD_AFTER_SECONDS", 60))


def task_timeouts() -> dict[str, float]:
    """Seconds each task may run before it is taken back from a dead worker ("default": the
    others)."""
    timeouts = {**DEFAULT_TASK_TIMEOUTS, **getattr(settings, "NEWSROOM_TASK_TIMEOUTS", {})}
    return {path: float(seconds) for path, seconds in timeouts.items()}


def task_timeout(task_path: str) -> float:
    """Seconds `task_path` may run before it is taken back from a dead worker."""
    timeouts = task_timeouts()
    return timeouts.get(task_path, timeouts["default"])


def max_attempts() -> int:
    """How many times a task is started at most when its worker dies or loses the database."""
    return int(getattr(settings, "NEWSROOM_TASK_MAX_ATTEMPTS", 5))


def reap_seconds() -> float:
    """How often each worker looks for abandoned tasks and due recurring jobs."""
    return float(getattr(settings, "NEWSROOM_WORKER_HOUSEKEEPING_SECONDS", 5))


def stuck_after_seconds() -> float:
    """`/healthz` fails when a ready task has waited this long and no worker is alive."""
    return float(getattr(settings, "NEWSROOM_QUEUE_STUCK_AFTER_SECONDS", 600))


def keep_results_days() -> int:
    """Finished task results (and old bookkeeping rows) are pruned after this many days."""
    return int(getattr(settings, "NEWSROOM_TASK_RESULTS_KEEP_DAYS", 14))
