"""Issue 12, hole 7: a killed database connection: a retried read, or a 503 with Retry-After."""

import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.test import TestCase, TransactionTestCase
from django.urls import reverse
from lxml import html as lxml_html

from articles import views
from articles.media.models import Image
from tests.factories import ArticleFactory, UserFactory, image_file
from tests.html_checker import html_errors


class UnavailablePageTests(TestCase):
    """The database stays down: readers get a plain 503 page, never a traceback or a 500."""

    def test_database_down_gives_a_503_page_with_retry_after(self):
        with (
            mock.patch.object(views, "paginate", side_effect=OperationalError("server closed")),
            mock.patch("articles.delivery.guards._close_all"),  # keep the test's transaction
        ):
            response = self.client.get("/")
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
        self.assertContains(response, "Back in a moment", status_code=503)
        self.assertContains(response, "try again in 5 seconds", status_code=503)
        assert "Content-Security-Policy" in response

    def test_the_drivers_own_unwrapped_error_is_a_503_too(self):
        # psycopg's (or sqlite3's) error as a server-side cursor raises it mid-render, not
        # wrapped in django.db.OperationalError: still the 503 page, never a 500.
        raw = connection.Database.OperationalError("consuming input failed: server closed")
        with (
            mock.patch.object(views, "paginate", side_effect=raw),
            mock.patch("articles.delivery.guards._close_all"),  # keep the test's transaction
        ):
            response = self.client.get("/")
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        self.assertContains(response, "Back in a moment", status_code=503)

    def test_a_write_is_not_retried(self):
        calls = []

        def fail(*args, **kwargs):
            calls.append(1)
            raise OperationalError("terminating connection due to administrator command")

        with (
            mock.patch("ads.views._parse_beacon", side_effect=fail),
            mock.patch("articles.delivery.guards._close_all"),  # keep the test's transaction
        ):
            response = self.client.post("/ads/beacon/", b'{"o": [1]}', content_type="text/plain")
        assert response.status_code == 503
        assert calls == [1]

    def test_a_read_whose_connection_died_is_retried_once(self):
        ArticleFactory(headline="Still here")
        real = views.paginate
        calls = []

        def flaky(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise OperationalError("server closed the connection unexpectedly")
            return real(*args, **kwargs)

        with (
            mock.patch.object(views, "paginate", side_effect=flaky),
            mock.patch("articles.delivery.guards._connection_lost", return_value=True),
            mock.patch("articles.delivery.guards._close_all"),  # keep the test's transaction
        ):
            response = self.client.get("/")
        assert len(calls) == 2
        self.assertContains(response, "Still here")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Needs PostgreSQL backends.")
class TerminatedBackendTests(TransactionTestCase):
    """A real terminated backend (pg_terminate_backend) between and during requests."""

    def setUp(self):
        ArticleFactory(headline="Survives a restart")
        # Whatever these tests killed, the tests after them start on a fresh connection.
        self.addCleanup(connection.close)

    def terminate_own_backend(self):
        pid = connection.cursor().connection.info.backend_pid
        with connection._nodb_cursor() as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])

    def test_the_next_request_after_a_terminated_backend_succeeds(self):
        assert self.client.get("/").status_code == 200
        self.terminate_own_backend()
        response = self.client.get("/")
        self.assertContains(response, "Survives a restart")

    def test_a_backend_terminated_mid_request_is_retried_for_readers(self):
        real = views.paginate
        calls = []

        def kill_first(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                self.terminate_own_backend()
            return real(*args, **kwargs)

        with mock.patch.object(views, "paginate", side_effect=kill_first):
            response = self.client.get("/")
        assert len(calls) == 2
        self.assertContains(response, "Survives a restart")


class KeptAdminPostTests(TestCase):
    """Issue 23, item 1: a 503 on an admin POST keeps what the user sent, ready to send again."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")

    def post_while_locked(self, fields):
        self.client.force_login(self.editor)
        with (
            mock.patch(
                "articles.media.services.save_image",
                side_effect=OperationalError("database is locked"),
            ),
            mock.patch("articles.delivery.guards._close_all"),  # keep the test's transaction
        ):
            return self.client.post(reverse("admin:articles_image_add"), fields)

    def test_the_503_page_of_an_admin_post_sends_the_fields_again(self):
        fields = {
            "alt_text": "A harbour at dawn",
            "caption": "Boats <b>moored</b>\nat first light",
            "credit": "Ana Ruiz",
            "focal_x": "0.5",
            "focal_y": "0.25",
            "upload": image_file(),
            "csrfmiddlewaretoken": "the-token-the-form-carried",
        }
        response = self.post_while_locked(fields)
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert "no-store" in response["Cache-Control"]
        page = lxml_html.fromstring(response.content)
        (form,) = page.forms
        assert form.method == "POST"
        assert form.action == reverse("admin:articles_image_add")
        assert form.attrib["enctype"] == "multipart/form-data"
        sent = dict(form.form_values())
        assert sent["csrfmiddlewaretoken"] == "the-token-the-form-carried"
        for name in ("alt_text", "caption", "credit", "focal_x", "focal_y"):
            assert sent[name] == fields[name]
        # The file is asked for again, under its field's name, with a label.
        (file_input,) = page.xpath("//input[@type='file']")
        assert file_input.name == "upload"
        assert page.xpath(f"//label[@for='{file_input.attrib['id']}']")
        assert b"<b>moored</b>" not in response.content  # escaped, never markup
        assert "Nothing was saved" in response.text
        assert html_errors({"503": response.content}) == {"503": []}
        assert not Image.objects.exists()

    def test_a_password_is_never_written_back(self):
        self.client.force_login(self.editor)
        with (
            mock.patch(
                "django.contrib.auth.forms.SetPasswordMixin.set_password_and_save",
                side_effect=OperationalError("database is locked"),
            ),
            mock.patch("articles.delivery.guards._close_all"),
        ):
            response = self.client.post(
                reverse("admin:password_change"),
                {
                    "old_password": "secret-old-password-1",
                    "new_password1": "Sunny-harbour-2026",
                    "new_password2": "Sunny-harbour-2026",
                },
            )
        assert b"Sunny-harbour-2026" not in response.content
        assert b"secret-old-password-1" not in response.content

    def test_a_readers_post_gets_the_plain_page(self):
        with (
            mock.patch("ads.views._parse_beacon", side_effect=OperationalError("locked")),
            mock.patch("articles.delivery.guards._close_all"),
        ):
            response = self.client.post("/ads/beacon/", b'{"o": [1]}', content_type="text/plain")
        assert response.status_code == 503
        assert b"<form" not in response.content


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's file locking.")
class SQLiteBusyWriterTests(TransactionTestCase):
    """Issue 23, item 1: under `make run` the task worker and the scheduler write the same SQLite
    file as the site; an upload saved while another process holds the write lock waits for it
    (WAL, BEGIN IMMEDIATE, a busy timeout) instead of answering 503 "database is locked"."""

    def test_an_upload_saves_while_another_connection_holds_a_write_transaction(self):
        editor = UserFactory(username="ed", role="Editor")
        folder = Path(tempfile.mkdtemp(prefix="newsroom-sqlite-"))
        path = folder / "site.sqlite3"
        # The migrated test database, copied to a file that several connections lock for real,
        # served through a connection with the project's settings (OPTIONS included).
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
        original = connections[DEFAULT_DB_ALIAS]
        on_file = original.__class__({**original.settings_dict, "NAME": str(path)})
        connections[DEFAULT_DB_ALIAS] = on_file
        self.addCleanup(setattr, connections, DEFAULT_DB_ALIAS, original)
        self.addCleanup(on_file.close)
        self.client.force_login(editor)

        holding, finished = threading.Event(), []

        def other_process():  # the task worker writing renditions, say
            other = sqlite3.connect(path, isolation_level=None, timeout=30)
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE auth_user SET last_name = 'busy'")
            holding.set()
            time.sleep(1.5)
            other.execute("COMMIT")
            finished.append(time.monotonic())
            other.close()

        writer = threading.Thread(target=other_process)
        writer.start()
        assert holding.wait(10)
        fields = {"alt_text": "A harbour at dawn", "caption": "", "credit": ""}
        fields.update({"focal_x": "0.5", "focal_y": "0.5", "upload": image_file()})
        response = self.client.post(reverse("admin:articles_image_add"), fields)
        saved_at = time.monotonic()
        writer.join()
        assert response.status_code == 302, response.content[:500]
        assert saved_at >= finished[0]  # it waited for the other writer's commit
        assert Image.objects.using(DEFAULT_DB_ALIAS).filter(alt_text="A harbour at dawn").exists()
        journal = on_file.cursor().execute("PRAGMA journal_mode").fetchone()[0]
        assert journal == "wal"
