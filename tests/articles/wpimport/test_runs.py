"""Runs on the task queue in batches: a run stopped (or killed) half-way resumes where its
last batch committed, and the final report is the one an uninterrupted run gives."""

import shutil
from unittest import mock

from django.test import TestCase

from articles.models import Article
from articles.redirects.models import Redirect
from articles.wpimport import services
from articles.wpimport.models import ImportRun
from articles.wpimport.tasks import import_slice
from tests.articles.wpimport.helpers import NEWSROOM, uploads_folder


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, the open transaction is lost."""


class ResumeTests(TestCase):
    def setUp(self):
        self.uploads = uploads_folder()
        self.addCleanup(shutil.rmtree, self.uploads, True)

    def new_run(self):
        return services.create_run(path=str(NEWSROOM), media_from=str(self.uploads))

    def test_paused_run_resumes_on_the_queue(self):
        run = self.new_run()
        with mock.patch.object(services, "BATCH", 2):
            finished = services.run_some(run=run, max_items=2)
            self.assertFalse(finished)
            run.refresh_from_db()
            self.assertEqual((run.phase, run.status), ("media", ImportRun.Status.RUNNING))
            self.assertEqual(run.position, 2)
            with self.captureOnCommitCallbacks(execute=True):
                import_slice.enqueue(run_id=run.pk)
        run.refresh_from_db()
        self.assertEqual(run.status, ImportRun.Status.DONE)
        self.assertTrue(services.adds_up(run.report))
        self.assertEqual(run.report["items"]["seen"], 13)
        self.assertEqual(run.report["items"]["created"], 8)

    def test_killed_run_resumes_without_duplicates(self):
        run = self.new_run()
        real = services.Importer.handle
        calls = {"n": 0}

        def dies(self, item, phase):
            if phase == "posts" and item.post_type == "post":
                calls["n"] += 1
                if calls["n"] == 5:
                    raise Killed
            return real(self, item, phase)

        with (
            mock.patch.object(services, "BATCH", 3),
            mock.patch.object(services.Importer, "handle", dies),
            self.assertRaises(Killed),
        ):
            services.run_some(run=run)
        run = ImportRun.objects.get(pk=run.pk)  # what was committed
        self.assertEqual(run.phase, "posts")
        committed = Article.objects.count()
        self.assertGreater(committed, 0)
        self.assertLess(committed, 6)
        services.run_some(run=run)
        run.refresh_from_db()
        self.assertEqual(run.status, ImportRun.Status.DONE)
        self.assertEqual(Article.objects.count(), 6)
        self.assertTrue(services.adds_up(run.report))
        self.assertEqual(run.report["items"]["seen"], 13)
        self.assertEqual(run.report["items"]["created"], 8)
        self.assertEqual(Redirect.objects.filter(old_path="/?p=101").count(), 1)
