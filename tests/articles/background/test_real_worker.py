"""`manage.py run_worker` as a real process on PostgreSQL: killed, cut off, and still right."""

import email
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from unittest import skipUnless

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django_tasks_db.models import DBTaskResult

from articles.background import heartbeat
from articles.background.models import SentMail, TaskFailure, WorkerHeartbeat
from articles.services.notifications import send_notification
from tests.articles.background import tasks as test_tasks
from tests.articles.background.helpers import DB_TASKS
from tests.articles.test_services import ready_article
from tests.factories import UserFactory

SEPARATOR = "\n" + "-" * 79 + "\n"


def wait_for(condition, *, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@skipUnless(
    connection.vendor == "postgresql",
    "Needs PostgreSQL: worker processes share the test database (CI's PostgreSQL leg runs it).",
)
@override_settings(TASKS=DB_TASKS, NEWSROOM_WORKER_DEAD_AFTER_SECONDS=1.5)
class RealWorkerTests(TransactionTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="newsroom-worker-")
        self.mail_dir = os.path.join(self.tmp, "mail")
        os.mkdir(self.mail_dir)
        self.workers = []
        UserFactory(username="ed", role="Editor", email="ed@example.com")

    def tearDown(self):
        for process in self.workers:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_worker(self, worker_id):
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env = {
            **os.environ,
            "DATABASE_URL": f"{url}/{db['NAME']}",
            "DJANGO_SETTINGS_MODULE": "tests.articles.background.worker_settings",
            "DJANGO_DEBUG": "0",
            "NEWSROOM_TASKS": "database",
            "NEWSROOM_TEST_MAIL_DIR": self.mail_dir,
        }
        env.pop("REDIS_URL", None)
        command = [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay"]
        command += ["--queue-name", "*", "--interval", "0.05", "--worker-id", worker_id]
        process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.tmp, f"{worker_id}.log"), "w"),  # noqa: SIM115
        )
        self.workers.append(process)
        return process

    def log(self, worker_id):
        with open(os.path.join(self.tmp, f"{worker_id}.log")) as f:
            return f.read()

    def mails(self):
        """(subject, recipient) of every message the workers wrote."""
        sent = []
        for name in os.listdir(self.mail_dir):
            with open(os.path.join(self.mail_dir, name)) as f:
                for chunk in f.read().split(SEPARATOR):
                    if chunk.strip():
                        message = email.message_from_string(chunk)
                        sent += [
                            (message["Subject"], to.strip()) for to in message["To"].split(",")
                        ]
        return sent

    def test_a_worker_killed_mid_task_then_reaped_completes_the_task_once_in_effect(self):
        article = ready_article(draft=True)
        marker = os.path.join(self.tmp, "started")
        result = test_tasks.mail_then_nap.enqueue(
            article_id=article.pk, key=uuid.uuid4().hex, marker=marker
        )
        first = self.start_worker("doomed")
        wait_for(lambda: os.path.exists(marker), timeout=60, what="the task to start")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        row = DBTaskResult.objects.get(pk=result.id)
        assert (row.status, row.worker_ids) == ("RUNNING", ["doomed"])
        assert len(self.mails()) == 1

        self.start_worker("rescuer")
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL",
            timeout=60,
            what="the reaper to requeue the task and the second worker to finish it",
        )
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.worker_ids == ["doomed", "rescuer"]
        assert self.mails() == [
            (f"[Newsroom] Ready for review: {article.headline}", "ed@example.com")
        ]
        assert SentMail.objects.get().sent_at is not None
        assert not TaskFailure.objects.exists()
        assert "requeued after attempt 1" in self.log("rescuer")
        live = heartbeat.live_workers().values_list("worker_id", flat=True)
        assert list(live) == ["rescuer"]  # the killed one's row is there, stale

    def test_ten_terminated_connections_in_a_stream_of_200_tasks_lose_and_repeat_nothing(self):
        articles = [ready_article(draft=True) for _ in range(50)]
        ids = []
        for n in range(200):
            if n % 4 == 0:
                article = articles[n // 4]
                ids.append(
                    send_notification.enqueue(
                        article_id=article.pk, action="submit", key=uuid.uuid4().hex
                    ).id
                )
            else:
                ids.append(test_tasks.nap.enqueue(0.03).id)
        worker = self.start_worker("steadfast")
        app = "newsroom-worker steadfast"
        wait_for(
            lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").exists(),
            timeout=60,
            what="the worker to start",
        )
        terminated = 0
        with connection.cursor() as cursor:
            while terminated < 10:
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                    "FROM pg_stat_activity WHERE application_name = %s",
                    [app],
                )
                if cursor.fetchone()[0]:
                    terminated += 1
                    time.sleep(0.25)
                else:
                    time.sleep(0.02)
                assert worker.poll() is None, self.log("steadfast")
        done = DBTaskResult.objects.filter(pk__in=ids, status="SUCCESSFUL")
        wait_for(lambda: done.count() == 200, timeout=120, what="all 200 tasks to finish")
        assert worker.poll() is None  # still alive
        assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0
        assert not TaskFailure.objects.exists()
        sent = Counter(self.mails())
        assert sent and max(sent.values()) == 1  # no mail twice
        assert len(sent) <= 50
        assert SentMail.objects.count() == 50  # every notification claimed its recipient
        assert len(sent) >= SentMail.objects.exclude(sent_at=None).count()
        log = self.log("steadfast")
        assert log.count("trying again") >= 1, log
        # Clean stop: the heartbeat row goes.
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert not WorkerHeartbeat.objects.exists()
