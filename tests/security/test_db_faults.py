"""Issue 12, hole 7: a killed database connection: a retried read, or a 503 with Retry-After."""

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import TestCase, TransactionTestCase

from articles import views
from tests.factories import ArticleFactory


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
