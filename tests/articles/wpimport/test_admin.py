"""The Imports page: an administrator uploads an export, reads the dry run, confirms and reads
the report; nobody else may open it."""

import shutil
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings

from articles.models import Article
from articles.wpimport.models import ImportRun
from articles.wpimport.parser import HOSTILE
from articles.wpimport.services import NOT_CHECKED
from tests.articles.wpimport.helpers import NEWSROOM
from tests.articles.wpimport.test_parser import XXE
from tests.factories import UserFactory

ADD = "/admin/wpimport/importrun/add/"


class ImportsPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = UserFactory(is_superuser=True)
        cls.editor = UserFactory(role="Editor")

    def setUp(self):
        incoming = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, incoming, True)
        overridden = override_settings(INCOMING_ROOT=incoming)
        overridden.enable()
        self.addCleanup(overridden.disable)

    def upload(self, content, name="export.xml"):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                ADD, {"export": SimpleUploadedFile(name, content), "media_from": ""}
            )

    def test_upload_dry_run_confirm_report(self):
        self.client.force_login(self.admin)
        response = self.upload(NEWSROOM.read_bytes())
        run = ImportRun.objects.get()
        self.assertRedirects(response, f"/admin/wpimport/importrun/{run.pk}/run/")
        self.assertEqual(run.status, ImportRun.Status.CHECKED)
        self.assertEqual(Article.objects.count(), 0)  # the dry run wrote nothing
        page = self.client.get(f"/admin/wpimport/importrun/{run.pk}/run/")
        self.assertContains(page, "Items seen: 13")
        self.assertContains(page, "Import now")
        self.assertContains(page, 'id="import-progress"')

        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/admin/wpimport/importrun/{run.pk}/run/")
        run.refresh_from_db()
        self.assertEqual(run.status, ImportRun.Status.DONE)
        self.assertEqual(Article.objects.count(), 6)
        progress = self.client.get(f"/admin/wpimport/importrun/{run.pk}/progress/").json()
        self.assertEqual((progress["done"], progress["total"]), (13, 13))
        self.assertIn("Items seen: 13 = created 7", progress["lines"][0])
        page = self.client.get(f"/admin/wpimport/importrun/{run.pk}/run/")
        self.assertNotContains(page, "Import now")

    def test_confirm_twice_is_refused(self):
        self.client.force_login(self.admin)
        self.upload(NEWSROOM.read_bytes())
        run = ImportRun.objects.get()
        url = f"/admin/wpimport/importrun/{run.pk}/run/"
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url)
        count = Article.objects.count()
        response = self.client.post(url, follow=True)
        self.assertContains(response, NOT_CHECKED)
        self.assertEqual(Article.objects.count(), count)

    def test_hostile_upload_is_refused_with_its_reason(self):
        self.client.force_login(self.admin)
        self.upload(XXE.encode())
        run = ImportRun.objects.get()
        self.assertEqual(run.status, ImportRun.Status.FAILED)
        page = self.client.get(f"/admin/wpimport/importrun/{run.pk}/run/")
        self.assertContains(page, HOSTILE)
        self.assertNotContains(page, "Import now")
        self.assertEqual(
            self.client.post(f"/admin/wpimport/importrun/{run.pk}/run/").status_code, 302
        )
        self.assertEqual(Article.objects.count(), 0)

    def test_only_xml(self):
        self.client.force_login(self.admin)
        response = self.upload(b"hello", name="export.zip")
        self.assertContains(response, "Upload the .xml file")
        self.assertEqual(ImportRun.objects.count(), 0)

    def test_folder_outside_the_imports_folder_is_refused(self):
        self.client.force_login(self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                ADD,
                {
                    "export": SimpleUploadedFile("e.xml", NEWSROOM.read_bytes()),
                    "media_from": "/etc",
                },
            )
        self.assertContains(response, "other folders cannot be read from here")
        self.assertEqual(ImportRun.objects.count(), 0)

    def test_deleting_a_run_removes_its_upload(self):
        self.client.force_login(self.admin)
        self.upload(NEWSROOM.read_bytes())
        run = ImportRun.objects.get()
        path = Path(run.file)
        self.assertTrue(path.exists())
        response = self.client.post(f"/admin/wpimport/importrun/{run.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(path.exists())
        self.assertEqual(ImportRun.objects.count(), 0)

    def test_editors_are_refused(self):
        self.client.force_login(self.admin)
        self.upload(NEWSROOM.read_bytes())
        run = ImportRun.objects.get()
        self.client.force_login(self.editor)
        for url in (ADD, "/admin/wpimport/importrun/", f"/admin/wpimport/importrun/{run.pk}/run/",
                    f"/admin/wpimport/importrun/{run.pk}/progress/"):  # fmt: skip
            with self.subTest(url):
                self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(f"/admin/wpimport/importrun/{run.pk}/run/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Article.objects.count(), 0)
