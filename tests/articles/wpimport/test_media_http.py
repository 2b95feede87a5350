"""Attachments fetched from the old site over HTTP (a loopback server): retries on a 503,
a 404, a file too large and a server too slow are reported, never fatal."""

import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

from django.test import TestCase

from articles.media.models import Image
from articles.models import Article
from articles.wpimport import sources
from articles.wpimport.models import ImportRun
from articles.wpimport.services import adds_up
from tests.articles.wpimport.helpers import NEWSROOM, jpeg, run_import, write_export

RIVER = jpeg("#225588")


class Handler(BaseHTTPRequestHandler):
    hits: dict = {}
    in_flight = 0
    most_at_once = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/uploads/2026/03/river.jpg":
            if Handler.hits[self.path] == 1:  # the first attempt fails: a retry follows
                self.send_error(503)
                return
            self._send(RIVER)
        elif self.path == "/uploads/big.jpg":
            self.send_response(200)
            self.send_header("Content-Length", str(sources.MAX_BYTES + 1))
            self.end_headers()
        elif self.path.startswith("/uploads/many/"):
            with Handler.lock:
                Handler.in_flight += 1
                Handler.most_at_once = max(Handler.most_at_once, Handler.in_flight)
            time.sleep(0.2)
            with Handler.lock:
                Handler.in_flight -= 1
            self._send(jpeg(f"#{int(self.path[-5]) * 111111:06d}"))
        elif self.path == "/uploads/slow.jpg":
            time.sleep(1.5)
            self._send(RIVER)
        else:
            self.send_error(404)

    def _send(self, data):
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class HttpMediaTests(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}/uploads"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self):
        Handler.hits = {}
        Handler.most_at_once = 0
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp, True)
        patches = [
            mock.patch.object(sources, "BACKOFF", 0.01),
            mock.patch.object(sources, "TIMEOUT", 0.5),
        ]
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)

    def test_import_downloads_with_retries_and_reports_failures(self):
        run_import(NEWSROOM, "--media-from", self.base)
        report = ImportRun.objects.get().report
        self.assertTrue(adds_up(report))
        self.assertEqual(report["items"]["failed"], {"download failed (HTTP 404)": 1})
        self.assertEqual(Handler.hits["/uploads/2026/03/river.jpg"], 2)
        image = Image.objects.get()
        self.assertEqual(Article.objects.get(slug="council-votes").lead_image, image)

    def test_downloads_run_side_by_side(self):
        items = "".join(
            f"<item><title>P{n}</title><wp:post_id>{n}</wp:post_id>"
            "<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
            "<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>"
            f"<wp:meta_value>many/p{n}.jpg</wp:meta_value></wp:postmeta></item>"
            for n in range(1, 9)
        )
        export = (
            '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
            f"<link>https://old.example</link>{items}</channel></rss>"
        )
        path = write_export(self.tmp, "many.xml", export)
        run_import(path, "--media-from", self.base)
        report = ImportRun.objects.get().report
        self.assertEqual(report["items"]["created"], 8)
        self.assertEqual(Image.objects.count(), 8)
        self.assertGreater(Handler.most_at_once, 1)

    def test_too_large_and_too_slow(self):
        source = sources.HttpSource(self.base)
        with self.assertRaisesMessage(sources.SourceError, "larger than 30 MB"):
            source.read("big.jpg")
        with self.assertRaisesMessage(sources.SourceError, "timeout"):
            source.read("slow.jpg")
        self.assertEqual(Handler.hits["/uploads/slow.jpg"], sources.RETRIES)

    def test_paths_cannot_leave_the_uploads(self):
        source = sources.HttpSource(self.base)
        with self.assertRaisesMessage(sources.SourceError, "unsafe"):
            source.read("../../etc/passwd")
        self.assertEqual(Handler.hits, {})
