"""The reaper and the heartbeat: tasks of dead workers go back to the queue, a few times."""

import time
from datetime import timedelta

from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.background import conf, heartbeat
from articles.background.models import TaskFailure, WorkerHeartbeat
from articles.background.reaper import ABANDONED, reap
from articles.delivery.cache import purge_keys
from articles.media.services import make_renditions
from tests.articles.background.helpers import DB_TASKS, running


def status(result):
    return DBTaskResult.objects.get(pk=result.pk).status


@override_settings(TASKS=DB_TASKS, NEWSROOM_TASK_MAX_ATTEMPTS=3)
class ReaperTests(TestCase):
    def purge(self, *, worker_ids=("w1",), started_ago=400):
        return running(purge_keys, worker_ids=list(worker_ids), started_ago=started_ago, keys=["k"])

    def test_a_task_of_a_dead_worker_is_requeued_after_its_timeout(self):
        result = self.purge(started_ago=conf.task_timeout("default") + 10)
        assert reap() == {"requeued": 1, "failed": 0}
        assert status(result) == "READY"
        assert DBTaskResult.objects.ready().get().pk == result.pk  # a worker will claim it
        assert not TaskFailure.objects.exists()

    def test_a_task_within_its_timeout_is_left_alone(self):
        result = self.purge(started_ago=conf.task_timeout("default") - 10)
        assert reap() == {"requeued": 0, "failed": 0}
        assert status(result) == "RUNNING"

    def test_the_timeout_is_per_task(self):
        renditions = running(make_renditions, worker_ids=["w1"], started_ago=400, image_id=1)
        purge = self.purge(started_ago=400)
        assert reap() == {"requeued": 1, "failed": 0}
        assert (status(renditions), status(purge)) == ("RUNNING", "READY")
        with self.settings(NEWSROOM_TASK_TIMEOUTS={"articles.media.services.make_renditions": 60}):
            assert reap() == {"requeued": 1, "failed": 0}
        assert status(renditions) == "READY"

    def test_a_slow_task_of_a_live_worker_is_not_taken_for_dead(self):
        result = self.purge(started_ago=3600)
        heartbeat.beat(worker_id="w1", current_task_id=str(result.pk))
        assert reap() == {"requeued": 0, "failed": 0}
        assert status(result) == "RUNNING"

    def test_a_live_worker_that_runs_another_task_has_lost_this_one(self):
        result = self.purge(started_ago=3600)
        heartbeat.beat(worker_id="w1", current_task_id="something-else")
        assert reap() == {"requeued": 1, "failed": 0}
        assert status(result) == "READY"

    def test_a_stale_heartbeat_means_a_dead_worker(self):
        result = self.purge(started_ago=3600)
        heartbeat.beat(worker_id="w1", current_task_id=str(result.pk))
        stale = timezone.now() - timedelta(seconds=conf.dead_after_seconds() + 1)
        WorkerHeartbeat.objects.update(last_seen_at=stale)
        assert reap() == {"requeued": 1, "failed": 0}
        assert status(result) == "READY"

    def test_after_the_last_attempt_the_task_fails_and_is_recorded(self):
        result = self.purge(worker_ids=["w1", "w2", "w3"])
        assert reap() == {"requeued": 0, "failed": 1}
        row = DBTaskResult.objects.get(pk=result.pk)
        assert (row.status, row.exception_class_path) == ("FAILED", ABANDONED)
        assert row.finished_at is not None
        failure = TaskFailure.objects.get()
        assert (failure.task_name, failure.attempts) == ("purge_keys", 3)
        assert failure.arguments == {"keys": ["k"]}
        assert failure.error.startswith("TaskAbandoned: Abandoned after 3 attempt(s)")
        assert reap() == {"requeued": 0, "failed": 0}  # and only once

    def test_a_requeued_task_is_claimed_and_counted_again(self):
        result = self.purge(worker_ids=["w1", "w2"])
        assert reap()["requeued"] == 1
        DBTaskResult.objects.get(pk=result.pk).claim("w3")
        DBTaskResult.objects.filter(pk=result.pk).update(
            started_at=timezone.now() - timedelta(seconds=400)
        )
        assert reap() == {"requeued": 0, "failed": 1}
        assert TaskFailure.objects.get().attempts == 3

    def test_finished_and_ready_tasks_are_not_touched(self):
        done = self.purge()
        DBTaskResult.objects.filter(pk=done.pk).update(status="SUCCESSFUL")
        ready = purge_keys.enqueue(["k"])
        assert reap() == {"requeued": 0, "failed": 0}
        assert status(done) == "SUCCESSFUL"
        assert DBTaskResult.objects.get(pk=ready.id).status == "READY"


class HeartbeatTests(TestCase):
    def test_a_beat_creates_then_refreshes_the_workers_row(self):
        heartbeat.beat(worker_id="w1")
        first = WorkerHeartbeat.objects.get()
        heartbeat.beat(worker_id="w1", current_task_id="t1")
        row = WorkerHeartbeat.objects.get()
        assert row.pk == first.pk and row.last_seen_at >= first.last_seen_at
        assert row.current_task_id == "t1" and row.started_at == first.started_at
        assert row.pid is not None and row.hostname

    def test_only_recent_heartbeats_count_as_live(self):
        heartbeat.beat(worker_id="fresh")
        heartbeat.beat(worker_id="stale")
        WorkerHeartbeat.objects.filter(worker_id="stale").update(
            last_seen_at=timezone.now() - timedelta(seconds=conf.dead_after_seconds() + 1)
        )
        assert list(heartbeat.live_workers().values_list("worker_id", flat=True)) == ["fresh"]


@override_settings(NEWSROOM_WORKER_HEARTBEAT_SECONDS=0.05)
class HeartbeatThreadTests(TransactionTestCase):
    def test_the_thread_keeps_beating_and_a_clean_stop_removes_the_row(self):
        beating = heartbeat.Heartbeat("w1")
        beating.start()
        try:
            first = WorkerHeartbeat.objects.get(worker_id="w1").last_seen_at
            beating.current_task_id = "t9"
            deadline = time.monotonic() + 5
            while True:
                row = WorkerHeartbeat.objects.get(worker_id="w1")
                if row.last_seen_at > first and row.current_task_id == "t9":
                    break
                assert time.monotonic() < deadline, "the heartbeat thread never beat"
                time.sleep(0.02)
        finally:
            beating.stop()
        assert not WorkerHeartbeat.objects.exists()
