"""Attachments fetched from the old site over HTTP (a loopback server): retries on a 503,
a 404, a file too large and a server too slow are reported, never fatal. Internal hosts are
refused (the loopback server itself unless the setting allows loopback), redirects to them
too, and the connection goes to the address that was checked."""

import ipaddress
import shutil
import socket
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

from django.test import TestCase, override_settings

from articles.media.models import Image
from articles.models import Article
from articles.wpimport import sources
from articles.wpimport.models import ImportRun
from articles.wpimport.services import adds_up
from tests.articles.wpimport.helpers import NEWSROOM, jpeg, run_import, write_export

RIVER = jpeg("#225588")


class Handler(BaseHTTPRequestHandler):
    hits: dict = {}
    hosts: list = []
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
        elif self.path == "/uploads/to-private.jpg":
            self.send_response(302)
            self.send_header("Location", "http://10.1.2.3/uploads/x.jpg")
            self.end_headers()
        elif self.path == "/uploads/to-ftp.jpg":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/x.jpg")
            self.end_headers()
        elif self.path == "/uploads/to-river.jpg":
            self.send_response(301)
            self.send_header("Location", "/uploads/2026/03/river.jpg")
            self.end_headers()
        elif self.path == "/uploads/host.jpg":
            Handler.hosts.append(self.headers.get("Host"))
            self._send(RIVER)
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


class LoopbackServer(TestCase):
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


@override_settings(NEWSROOM_WPIMPORT_ALLOW_LOOPBACK=True)
class HttpMediaTests(LoopbackServer):
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

    def test_redirects_are_followed_only_to_public_http_addresses(self):
        source = sources.HttpSource(self.base)
        self.assertEqual(source.read("to-river.jpg")[:2], RIVER[:2])
        with self.assertRaisesMessage(sources.SourceError, "refused: 10.1.2.3"):
            source.read("to-private.jpg")
        with self.assertRaisesMessage(sources.SourceError, "refused: a redirect to a ftp:"):
            source.read("to-ftp.jpg")
        self.assertEqual(Handler.hits["/uploads/to-private.jpg"], 1)  # never retried

    def test_connection_goes_to_the_checked_address(self):
        """A name is resolved once; the socket connects to that address (DNS rebinding
        between a check and a second lookup has nothing to change)."""
        port = self.server.server_address[1]
        real = socket.getaddrinfo
        answers = []

        def resolve(host, *args, **kwargs):
            if host == "media.test":
                answers.append(host)
                address = "127.0.0.1" if len(answers) == 1 else "169.254.169.254"
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
            return real(host, *args, **kwargs)

        Handler.hosts = []
        with mock.patch("socket.getaddrinfo", resolve):
            data = sources.HttpSource(f"http://media.test:{port}/uploads").read("host.jpg")
        self.assertEqual(data, RIVER)
        self.assertEqual(answers, ["media.test"])
        self.assertEqual(Handler.hosts, [f"media.test:{port}"])


class InternalHostTests(LoopbackServer):
    """The setting off (the default): the loopback server is an internal host."""

    def setUp(self):
        Handler.hits = {}

    def test_internal_addresses_are_refused(self):
        for text in ("127.0.0.1", "::1", "10.0.0.8", "172.16.5.4", "192.168.1.1",
                     "169.254.169.254", "fe80::1", "224.0.0.1", "240.0.0.1", "0.0.0.0",  # noqa: S104
                     "::ffff:127.0.0.1", "fc00::1", "100.64.0.1"):  # fmt: skip
            with self.subTest(text):
                self.assertFalse(sources._allowed(ipaddress.ip_address(text)))
        for text in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"):
            self.assertTrue(sources._allowed(ipaddress.ip_address(text)))

    def test_a_name_resolving_to_an_internal_address_is_refused(self):
        answer = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80))]
        with (
            mock.patch("socket.getaddrinfo", return_value=answer),
            self.assertRaisesMessage(sources.SourceError, "refused: metadata.test"),
        ):
            sources.HttpSource("http://metadata.test/uploads").read("a.jpg")

    def test_loopback_source_is_refused_reported_and_the_run_goes_on(self):
        run_import(NEWSROOM, "--media-from", self.base)
        self.assertEqual(Handler.hits, {})  # nothing was ever requested
        run = ImportRun.objects.get()
        report = run.report
        self.assertEqual(run.status, ImportRun.Status.DONE)
        self.assertTrue(adds_up(report))
        reasons = report["items"]["failed"]
        self.assertEqual(list(reasons), ["refused: 127.0.0.1 is an internal address (127.0.0.1)"])
        self.assertEqual(sum(reasons.values()), 2)
        self.assertEqual(Image.objects.count(), 0)
        self.assertEqual(Article.objects.count(), 6)  # the posts were imported all the same
