"""Attachments from a copied uploads folder: validated and re-encoded like any upload,
deduplicated by SHA-256, never read from outside the folder; failures reported, not fatal."""

import shutil

from django.test import TestCase

from articles.media.models import Image
from articles.wpimport.models import ImportRun
from articles.wpimport.services import adds_up
from tests.articles.wpimport.helpers import jpeg, run_import, uploads_folder, write_export

ATTACHMENT = """<item><title>{title}</title><wp:post_id>{id}</wp:post_id>
<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
<wp:attachment_url>https://old.example/wp-content/uploads/{file}</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value>{file}</wp:meta_value></wp:postmeta>
</item>"""
EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<link>https://old.example</link>{items}</channel></rss>"""


class FolderMediaTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.root = uploads_folder()
        (cls.root / "2026" / "03" / "copy-of-river.jpg").write_bytes(
            (cls.root / "2026" / "03" / "river.jpg").read_bytes()
        )
        (cls.root / "2026" / "03" / "notes.jpg").write_bytes(b"%PDF-1.4 not an image")
        (cls.root / "2026" / "03" / "big.jpg").write_bytes(jpeg(size=(3000, 2000)))
        (cls.root.parent / "secret.jpg").write_bytes(jpeg())
        cls.secret = cls.root.parent / "secret.jpg"
        files = ["2026/03/river.jpg", "2026/03/copy-of-river.jpg", "2026/03/notes.jpg",
                 "../secret.jpg", "2026/03/big.jpg"]  # fmt: skip
        items = "".join(
            ATTACHMENT.format(title=f"File {n}", id=n, file=name) for n, name in enumerate(files, 1)
        )
        path = write_export(cls.root, "export.xml", EXPORT.format(items=items))
        run_import(path, "--media-from", str(cls.root))
        cls.report = ImportRun.objects.get().report

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)
        cls.secret.unlink(missing_ok=True)
        super().tearDownClass()

    def test_duplicates_share_one_library_image(self):
        self.assertEqual(Image.objects.count(), 2)  # river (twice) and big
        self.assertEqual(self.report["media"], {"created": 2, "reused": 1, "updated": 0})

    def test_failures_are_reported(self):
        self.assertTrue(adds_up(self.report))
        failed = self.report["items"]["failed"]
        self.assertEqual(failed.pop("unsafe file path in the export"), 1)
        (reason,) = failed
        self.assertTrue(reason.startswith("not a usable image"), reason)

    def test_images_are_re_encoded(self):
        big = Image.objects.get(original_width=3000)
        self.assertLessEqual(max(big.width, big.height), 2048)
