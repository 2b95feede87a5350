"""Recurring jobs without cron: each runs once per period, whichever worker gets there first.

A job is a function registered with `@recurring("name", every=timedelta(...))`. Periods are
aligned to the epoch in UTC (a daily job's period is the UTC day; an hourly one's the hour).
Every worker calls `run_due_jobs()` between tasks; a job's period is claimed by inserting its
`RecurringRun` row (unique per job and period) in a transaction, so of any number of workers
on any number of machines exactly one runs it. If the claimer dies before finishing, another
worker takes the period over once the claimer's heartbeat is stale.

Each installed app keeps its jobs in its `jobs.py` (found like `admin.py`: `articles/jobs.py`
has the scheduled-articles sweep), the queue's own in `articles.background.jobs`; any other
module listed in the `NEWSROOM_RECURRING_MODULES` setting is loaded too
(docs/background-work.md).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from articles.background import conf
from articles.background.faults import connection_lost
from articles.background.heartbeat import live_workers
from articles.background.models import RecurringRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: object
    every: timedelta


REGISTRY: dict[str, Job] = {}


def recurring(name: str, *, every: timedelta):
    """Register the decorated function to run once every `every` across all workers."""
    if every.total_seconds() < 1:
        raise ValueError("A recurring job runs at most once a second.")

    def register(func):
        REGISTRY[name] = Job(name=name, func=func, every=every)
        return func

    return register


def load_jobs() -> dict[str, Job]:
    """Import the modules that register jobs (every app's `jobs.py`, the queue's own, then the
    setting's); return the registry."""
    autodiscover_modules("jobs")
    for module in [
        "articles.background.jobs",
        *getattr(settings, "NEWSROOM_RECURRING_MODULES", ()),
    ]:
        import_module(module)
    return REGISTRY


def period_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period of length `every` that `now` falls in (epoch-aligned, UTC)."""
    seconds = int(every.total_seconds())
    stamp = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(stamp, tz=UTC)


def claim(job: str, period: datetime, *, worker_id: str, now=None) -> bool:
    """Take `job`'s `period` for this worker: True for exactly one claimer (or for the one
    taking over from a claimer that died before finishing)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            RecurringRun.objects.create(
                job=job, period_start=period, worker_id=worker_id, claimed_at=now
            )
        return True
    except IntegrityError:
        pass
    run = RecurringRun.objects.filter(job=job, period_start=period, finished_at=None).first()
    if run is None or run.worker_id == worker_id:
        return False
    if run.claimed_at > now - timedelta(seconds=conf.dead_after_seconds()):
        return False
    if live_workers(now).filter(worker_id=run.worker_id).exists():
        return False
    # Compare-and-set: of several workers taking over, one wins.
    return bool(
        RecurringRun.objects.filter(pk=run.pk, worker_id=run.worker_id, finished_at=None).update(
            worker_id=worker_id, claimed_at=now
        )
    )


def run_due_jobs(*, worker_id: str = "", now=None, skip=()) -> list[str]:
    """Run every registered job whose current period nobody has claimed yet; return the names
    of those this call ran. A job's error is logged and kept on its run row; it never stops
    the caller (a lost database connection does, so that the worker can reconnect)."""
    now = now or timezone.now()
    ran = []
    for job in list(load_jobs().values()):
        if job.name in skip:
            continue
        period = period_start(now, job.every)
        if not claim(job.name, period, worker_id=worker_id or "-", now=now):
            continue
        error = ""
        try:
            job.func()
        except Exception as exc:
            if connection_lost(exc):
                raise
            logger.exception("Recurring job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        RecurringRun.objects.filter(job=job.name, period_start=period).update(
            finished_at=timezone.now(), error=error
        )
        ran.append(job.name)
    return ran
