"""Recurring jobs: once per period across any number of workers, without cron."""

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.background import conf, heartbeat, recurring
from articles.background.models import RecurringRun
from articles.delivery.cache import purge_keys
from articles.models import Article
from tests.articles.background.helpers import DB_TASKS
from tests.articles.test_services import ready_article

NOW = datetime(2026, 3, 4, 10, 17, 42, tzinfo=UTC)
CALLS = []


@pytest.fixture(autouse=True)
def _test_jobs():
    """Two test jobs beside ours, removed again after each test."""
    CALLS.clear()
    recurring.load_jobs()
    saved = dict(recurring.REGISTRY)
    recurring.recurring("test-minutely", every=timedelta(minutes=1))(lambda: CALLS.append("m"))

    def broken():
        raise ValueError("no rollup today")

    recurring.recurring("test-broken", every=timedelta(hours=1))(broken)
    yield
    recurring.REGISTRY.clear()
    recurring.REGISTRY.update(saved)


class PeriodTests(TestCase):
    def test_periods_are_aligned_to_the_epoch_in_utc(self):
        assert recurring.period_start(NOW, timedelta(days=1)) == datetime(2026, 3, 4, tzinfo=UTC)
        assert recurring.period_start(NOW, timedelta(hours=1)) == datetime(
            2026, 3, 4, 10, tzinfo=UTC
        )
        assert recurring.period_start(NOW, timedelta(seconds=30)) == datetime(
            2026, 3, 4, 10, 17, 30, tzinfo=UTC
        )

    def test_a_job_runs_more_often_than_once_a_second_is_refused(self):
        with pytest.raises(ValueError):
            recurring.recurring("too-often", every=timedelta(milliseconds=500))


class RunDueJobsTests(TestCase):
    def test_each_job_runs_once_per_period_then_again_in_the_next(self):
        with time_machine.travel(NOW, tick=False):
            first = recurring.run_due_jobs(worker_id="w1")
            # Every registered job (each app's jobs.py, and the two test jobs) runs once.
            assert (
                set(first)
                == set(recurring.REGISTRY)
                >= {
                    "publish-due",
                    "prune-task-results",
                    "search-vocabulary",
                    "test-minutely",
                    "test-broken",
                }
            )
            assert recurring.run_due_jobs(worker_id="w2") == []
        assert CALLS == ["m"]
        with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
            # A minute on, only the jobs whose period is a minute or less are due again.
            minutely = {
                n for n, job in recurring.REGISTRY.items() if job.every <= timedelta(minutes=1)
            }
            assert {"publish-due", "test-minutely"} <= minutely
            assert sorted(recurring.run_due_jobs(worker_id="w2")) == sorted(minutely)
        assert CALLS == ["m", "m"]
        assert RecurringRun.objects.filter(job="test-minutely").count() == 2
        assert RecurringRun.objects.filter(finished_at=None).count() == 0

    def test_a_failing_job_records_its_error_and_the_others_still_run(self):
        with time_machine.travel(NOW, tick=False):
            recurring.run_due_jobs(worker_id="w1")
        run = RecurringRun.objects.get(job="test-broken")
        assert run.error == "ValueError: no rollup today"
        assert run.finished_at is not None
        assert RecurringRun.objects.get(job="test-minutely").error == ""

    def test_the_due_articles_sweep_is_a_recurring_job(self):
        due = ready_article(due=True)
        with self.captureOnCommitCallbacks(execute=True):
            assert "publish-due" in recurring.run_due_jobs(worker_id="w1")
        assert Article.objects.get(pk=due.pk).status == Article.Status.PUBLISHED

    def test_a_period_left_unfinished_by_a_dead_worker_is_taken_over(self):
        period = recurring.period_start(NOW, timedelta(minutes=1))
        old = NOW - timedelta(seconds=conf.dead_after_seconds() + 1)
        RecurringRun.objects.create(
            job="test-minutely", period_start=period, worker_id="dead", claimed_at=old
        )
        with time_machine.travel(NOW, tick=False):
            assert "test-minutely" in recurring.run_due_jobs(worker_id="w1")
        run = RecurringRun.objects.get(job="test-minutely")
        assert (run.worker_id, run.finished_at is not None) == ("w1", True)
        assert CALLS == ["m"]

    def test_a_period_being_run_by_a_live_worker_is_not_taken_over(self):
        period = recurring.period_start(NOW, timedelta(minutes=1))
        with time_machine.travel(NOW, tick=False):
            heartbeat.beat(worker_id="alive")
            RecurringRun.objects.create(
                job="test-minutely",
                period_start=period,
                worker_id="alive",
                claimed_at=NOW - timedelta(hours=1),
            )
            assert "test-minutely" not in recurring.run_due_jobs(worker_id="w1")
        assert CALLS == []

    def test_run_scheduler_runs_the_other_jobs_too(self):
        out = StringIO()
        call_command("run_scheduler", "--once", stdout=out)
        assert "Published 0, unpublished 0." in out.getvalue()
        assert CALLS == ["m"]
        jobs = set(RecurringRun.objects.values_list("job", flat=True))
        assert jobs == set(recurring.REGISTRY) - {"publish-due"}  # it published just before


@override_settings(TASKS=DB_TASKS, NEWSROOM_TASK_RESULTS_KEEP_DAYS=14)
class PruneTests(TestCase):
    def test_old_finished_results_are_pruned_and_the_rest_kept(self):
        old, recent, waiting = (purge_keys.enqueue(["k"]).id for _ in range(3))
        DBTaskResult.objects.filter(pk__in=[old, recent]).update(status="SUCCESSFUL")
        DBTaskResult.objects.filter(pk=old).update(finished_at=timezone.now() - timedelta(days=15))
        DBTaskResult.objects.filter(pk=recent).update(finished_at=timezone.now())
        counts = recurring.REGISTRY["prune-task-results"].func()
        assert counts["task_results"] == 1
        assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
            DBTaskResult.objects.get(pk=recent).pk,
            DBTaskResult.objects.get(pk=waiting).pk,
        }


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: two threads writing at once lock SQLite's in-memory test database "
    "('database table is locked'); CI's PostgreSQL leg runs it",
)
class ConcurrentClaimTests(TransactionTestCase):
    """Two workers reach the same period at the same moment: one runs the job."""

    def test_two_concurrent_claimers_run_the_job_once(self):
        barrier = threading.Barrier(2)
        ran, errors = {}, []
        now = timezone.now()  # (a time long past would have the prune job delete the runs)

        def worker(name):
            try:
                barrier.wait(timeout=60)
                ran[name] = recurring.run_due_jobs(worker_id=name, now=now)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in ("w1", "w2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert CALLS == ["m"]
        assert sorted(ran["w1"] + ran["w2"]) == sorted(recurring.REGISTRY)  # each once
        assert RecurringRun.objects.count() == len(recurring.REGISTRY)
