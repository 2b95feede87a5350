"""Background work: notification mail as a retried task, failures recorded, a real worker."""

import os
import subprocess
import sys
from datetime import timedelta
from unittest import skipUnless

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.tasks import task_backends
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.background.models import TaskFailure
from articles.background.retries import RETRY_DELAYS
from articles.models import Article
from articles.services.notifications import send_notification
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory

BROKEN_MAIL = {"default": {"BACKEND": "tests.articles.background.test_retries.BrokenMailBackend"}}
DUMMY_TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "images"],
    }
}
DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "images"]}
}


class BrokenMailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


@override_settings(MAILERS=BROKEN_MAIL)
class MailServerDownTests(TransactionTestCase):
    """The bug: with the mail server down, "Submit for review" answered 500 after saving."""

    def test_submit_with_the_mail_server_down_redirects_with_a_message_and_records_it(self):
        UserFactory(username="ed", role="Editor", email="ed@example.com")
        writer = UserFactory(username="wr", role="Writer", email="wr@example.com")
        article = ready_article(draft=True, authors=[AuthorFactory(user=writer)])
        self.client.force_login(writer)
        url = reverse("admin:articles_article_transition", args=[article.pk, "submit"])
        response = self.client.post(url, follow=True)
        assert response.redirect_chain[0][1] == 302
        assert response.status_code == 200
        self.assertContains(
            response, "Submitted for review: it is in the editors&#x27; review queue."
        )
        assert Article.objects.get(pk=article.pk).status == Article.Status.IN_REVIEW
        failure = TaskFailure.objects.get()
        assert failure.task_name == "send_notification"
        assert len(failure.arguments.pop("key")) == 32  # the mail's own, shared by its retries
        assert failure.arguments == {"article_id": article.pk, "action": "submit", "note": ""}
        assert "Connection refused" in failure.error
        assert mail.outbox == []

    def test_the_failure_is_on_the_dashboard(self):
        editor = UserFactory(username="ed", role="Editor", email="ed@example.com")
        writer = UserFactory(username="wr", role="Writer", email="wr@example.com")
        article = ready_article(in_review=True, authors=[AuthorFactory(user=writer)])
        self.client.force_login(editor)
        url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])
        assert self.client.post(url).status_code == 302
        dashboard = self.client.get(reverse("admin:articles_article_dashboard"))
        self.assertContains(dashboard, "Background work that failed")
        self.assertContains(dashboard, "send_notification")
        self.assertContains(dashboard, "ConnectionRefusedError")


@override_settings(MAILERS=BROKEN_MAIL, TASKS=DUMMY_TASKS)
class RetryTests(TestCase):
    def setUp(self):
        task_backends["default"].clear()

    def test_a_failed_attempt_is_retried_later_with_backoff(self):
        UserFactory(username="ed", role="Editor", email="ed@example.com")
        article = ready_article(draft=True)
        start = timezone.now()
        with pytest.raises(ConnectionRefusedError):
            send_notification.call(article_id=article.pk, action="submit")
        (retry,) = task_backends["default"].results
        assert retry.kwargs == {
            "attempt": 2,
            "article_id": article.pk,
            "action": "submit",
            "note": "",
            "key": "",
        }
        assert retry.task.run_after >= start + timedelta(seconds=RETRY_DELAYS[0])
        assert not TaskFailure.objects.exists()

    def test_the_last_attempt_records_the_failure_and_queues_nothing(self):
        UserFactory(username="ed", role="Editor", email="ed@example.com")
        article = ready_article(draft=True)
        last = len(RETRY_DELAYS) + 1
        with pytest.raises(ConnectionRefusedError):
            send_notification.call(article_id=article.pk, action="submit", attempt=last)
        assert task_backends["default"].results == []
        assert TaskFailure.objects.get().attempts == last

    def test_a_rolled_back_change_enqueues_nothing(self):
        writer = UserFactory(username="wr", role="Writer")
        article = ready_article(draft=True, authors=[AuthorFactory(user=writer)])
        with self.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    services.submit_for_review(article=article, by=writer)
                    raise RuntimeError("something later in the request failed")
            except RuntimeError:
                pass
        assert task_backends["default"].results == []
        assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT

    def test_a_transition_queues_its_mail_after_the_commit(self):
        editor = UserFactory(username="ed", role="Editor")
        article = ready_article(in_review=True)
        with self.captureOnCommitCallbacks(execute=True):
            services.publish_now(article=article, by=editor)
            assert task_backends["default"].results == []
        # The mail, beside the cache purge a publish also queues.
        (queued,) = [
            r for r in task_backends["default"].results if r.task.name == "send_notification"
        ]
        kwargs = dict(queued.kwargs)
        assert len(kwargs.pop("key")) == 32  # each recipient gets this mail at most once
        assert kwargs == {"article_id": article.pk, "action": "publish", "note": ""}


@skipUnless(connection.vendor == "postgresql", "Needs PostgreSQL: a worker in another process.")
@override_settings(TASKS=DB_TASKS)
class RealWorkerTests(TransactionTestCase):
    """Enqueue in the database, let `manage.py db_worker` (another process) do the work."""

    def run_worker(self):
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env = {
            **os.environ,
            "DATABASE_URL": f"{url}/{db['NAME']}",
            "DJANGO_DEBUG": "1",  # mail goes to the console (stdout)
            "NEWSROOM_TASKS": "database",
        }
        env.pop("DJANGO_EMAIL_HOST", None)
        return subprocess.run(  # noqa: S603 (our own manage.py)
            [sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    def test_a_worker_process_sends_the_mail_queued_by_a_transition(self):
        from django_tasks_db.models import DBTaskResult

        UserFactory(username="ed", role="Editor", email="ed@example.com")
        writer = UserFactory(username="wr", role="Writer")
        article = ready_article(draft=True, authors=[AuthorFactory(user=writer)])
        services.submit_for_review(article=article, by=writer)
        # The mail (a draft going to review purges no cache, but say which task we mean).
        queued = DBTaskResult.objects.get(
            task_path="articles.services.notifications.send_notification"
        )
        assert (queued.status, queued.task_path) == (
            "READY",
            "articles.services.notifications.send_notification",
        )
        result = self.run_worker()
        assert f"Ready for review: {article.headline}" in result.stdout
        assert "To: ed@example.com" in result.stdout
        queued.refresh_from_db()
        assert queued.status == "SUCCESSFUL"
