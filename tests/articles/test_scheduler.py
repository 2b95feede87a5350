import threading
from datetime import timedelta
from io import StringIO
from unittest import mock, skipUnless

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, AuditEntry
from articles.services import workflow
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory

S = Article.Status


def run_once():
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    return out.getvalue()


class SchedulerTests(TestCase):
    def test_due_articles_are_flipped_once_with_an_audit_entry(self):
        due = ready_article(due=True)
        future = ready_article(scheduled=True)
        expired = ready_article(expired=True)
        with self.captureOnCommitCallbacks(execute=True):
            output = run_once()
        assert "Published 1, unpublished 1." in output
        assert Article.objects.get(pk=due.pk).status == S.PUBLISHED
        assert Article.objects.get(pk=future.pk).status == S.SCHEDULED
        assert Article.objects.get(pk=expired.pk).status == S.UNPUBLISHED
        entry = due.audit_entries.get()
        assert (entry.action, entry.user, entry.from_status) == (
            "scheduled_publish",
            None,
            S.SCHEDULED,
        )
        assert expired.audit_entries.get().action == "scheduled_unpublish"
        assert "Published 0, unpublished 0." in run_once()
        assert AuditEntry.objects.count() == 2

    def test_a_run_killed_half_way_loses_nothing(self):
        first, second = ready_article(due=True), ready_article(due=True)
        real_apply, calls = workflow._apply, []

        def dies_on_the_second(article, *args, **kwargs):
            calls.append(article.pk)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real_apply(article, *args, **kwargs)

        with mock.patch.object(workflow, "_apply", dies_on_the_second):
            with pytest.raises(KeyboardInterrupt):
                services.run_due()
        statuses = {a.pk: a.status for a in Article.objects.filter(pk__in=[first.pk, second.pk])}
        assert sorted(statuses.values()) == [S.PUBLISHED, S.SCHEDULED]
        assert services.run_due() == {"published": 1, "unpublished": 0}
        assert AuditEntry.objects.count() == 2

    def test_publishing_by_the_scheduler_mails_the_byline(self):
        writer = UserFactory(username="wr", role="Writer", email="wr@example.com")
        ready_article(due=True, authors=[AuthorFactory(user=writer)])
        with self.captureOnCommitCallbacks(execute=True):
            run_once()
        assert [m.to for m in mail.outbox] == [["wr@example.com"]]

    def test_scheduled_article_goes_live_at_its_time_and_down_at_its_unpublish_time(self):
        editor = UserFactory(username="ed", role="Editor")
        start = timezone.now()
        article = ready_article(in_review=True)
        services.schedule(
            article=article,
            by=editor,
            publish_at=start + timedelta(hours=1),
            unpublish_at=start + timedelta(hours=2),
        )
        with time_machine.travel(start + timedelta(minutes=59), tick=False):
            run_once()
            assert Article.objects.get(pk=article.pk).status == S.SCHEDULED
        with time_machine.travel(start + timedelta(minutes=61), tick=False):
            run_once()
            assert Article.objects.get(pk=article.pk).status == S.PUBLISHED
        with time_machine.travel(start + timedelta(minutes=121), tick=False):
            run_once()
            assert Article.objects.get(pk=article.pk).status == S.UNPUBLISHED
            assert not Article.objects.published().filter(pk=article.pk).exists()

    def test_dashboard_shows_overdue_articles_in_red(self):
        editor = UserFactory(username="ed", role="Editor")
        ready_article(due=True, headline="Late story")
        ready_article(scheduled=True, headline="Future story")
        self.client.force_login(editor)
        response = self.client.get(reverse("admin:articles_article_dashboard"))
        overdue = list(response.context["overdue"])
        assert [a.headline for a in overdue] == ["Late story"]
        html = response.content.decode()
        section = html[html.index('id="overdue"') : html.index('id="my-drafts"')]
        assert "Late story" in section and "Future story" not in section
        assert 'class="overdue" style="color: #ba2121' in section
        run_once()
        response = self.client.get(reverse("admin:articles_article_dashboard"))
        assert list(response.context["overdue"]) == []


@skipUnless(
    connection.vendor == "postgresql",
    "Needs PostgreSQL: SQLite has no row locks (SELECT … FOR UPDATE SKIP LOCKED).",
)
class ConcurrentSchedulerTests(TransactionTestCase):
    def test_two_schedulers_at_once_publish_each_article_exactly_once(self):
        articles = [ready_article(due=True) for _ in range(12)]
        barrier = threading.Barrier(2)
        errors, counts = [], []

        def scheduler():
            try:
                barrier.wait()
                counts.append(services.run_due()["published"])
            except Exception as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sum(counts) == 12
        for article in articles:
            assert Article.objects.get(pk=article.pk).status == S.PUBLISHED
            assert article.audit_entries.count() == 1
            assert article.revisions.count() == 1


class SchedulerLoopTests(TestCase):
    def test_without_once_it_keeps_running_every_interval(self):
        sleeps = []

        def sleep(seconds):
            sleeps.append(seconds)
            if len(sleeps) == 1:
                ready_article(due=True)  # becomes due while the worker sleeps
                return
            raise KeyboardInterrupt

        with (
            mock.patch("articles.management.commands.run_scheduler.time.sleep", sleep),
            mock.patch("articles.management.commands.run_scheduler.close_old_connections"),
            pytest.raises(KeyboardInterrupt),
        ):
            out = StringIO()
            call_command("run_scheduler", "--interval", "5", stdout=out)
        assert sleeps == [5.0, 5.0]
        assert "Published 1, unpublished 0." in out.getvalue()
        assert Article.objects.published().count() == 1


# A scheduler process that flips one article every 0.2 s, so the test can kill it half-way.
SLOW_SCHEDULER = """
import time, django
django.setup()
from articles.services import workflow
apply = workflow._apply
def slow(*args, **kwargs):
    apply(*args, **kwargs)
    time.sleep(0.2)
workflow._apply = slow
workflow.run_due()
"""


@skipUnless(
    connection.vendor == "postgresql",
    "Needs PostgreSQL: a second process shares the test database.",
)
class KilledSchedulerTests(TransactionTestCase):
    def test_a_scheduler_killed_mid_run_then_restarted_flips_every_article_exactly_once(self):
        import os
        import signal
        import subprocess
        import sys
        import time

        articles = [ready_article(due=True) for _ in range(20)]
        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
        process = subprocess.Popen([sys.executable, "-c", SLOW_SCHEDULER], env=env)  # noqa: S603
        try:
            deadline = time.monotonic() + 30
            while Article.objects.filter(status=S.PUBLISHED).count() < 3:
                assert time.monotonic() < deadline, "the scheduler never started flipping"
                assert process.poll() is None
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=10)
        flipped = Article.objects.filter(status=S.PUBLISHED).count()
        assert 3 <= flipped < 20  # killed half-way
        assert services.run_due()["published"] == 20 - flipped  # the restart does the rest
        for article in articles:
            assert Article.objects.get(pk=article.pk).status == S.PUBLISHED
            assert article.audit_entries.count() == 1
            assert article.revisions.count() == 1
        assert services.run_due()["published"] == 0
