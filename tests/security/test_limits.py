"""Checks 25, 30 and 35 of docs/security.md: request size and count limits, CSP nonces and the
shared cache, and a statement timeout that stops runaway SQL."""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.test import TestCase, override_settings
from django.urls import reverse

from articles.media.models import Image
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    CreativeFactory,
    PlacementFactory,
    UserFactory,
    image_file,
)

PAGE_CACHE_ON = override_settings(NEWSROOM_PAGE_CACHE=True)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


@PAGE_CACHE_ON
class CspAndTheSharedCacheTests(TestCase):
    """Check 30: no nonce is ever served twice from the cache; cached pages need none."""

    @classmethod
    def setUpTestData(cls):
        cls.slot = AdSlotFactory(code="YYYYYYYYYY", gam_ad_unit_path="/1234/news")
        cls.article = ArticleFactory()

    def test_a_cached_page_carries_no_nonce_and_no_inline_script(self):
        PlacementFactory(slot=self.slot)  # an image creative: no network code
        first = self.client.get(self.article.get_absolute_url())
        second = self.client.get(self.article.get_absolute_url())
        assert second["X-Page-Cache"] == "hit"
        for response in (first, second):
            assert "'nonce-" not in response["Content-Security-Policy"]
            for attributes in SCRIPT.findall(response.content.decode()):
                # Only external scripts, and JSON-LD (data the browser never runs).
                assert "src=" in attributes or 'type="application/ld+json"' in attributes

    def test_a_page_that_needs_a_nonce_is_never_shared(self):
        PlacementFactory(slot=self.slot, creative=CreativeFactory(gam=True))
        nonces = []
        for _ in range(2):
            response = self.client.get(self.article.get_absolute_url())
            assert response.get("X-Page-Cache") != "hit"
            # Neither the page cache nor the shipped proxy (it stores only responses naming
            # their surrogate keys) keeps it, and nothing marks it public.
            assert "Surrogate-Key" not in response
            assert "public" not in response.get("Cache-Control", "")
            policy = response["Content-Security-Policy"]
            nonces.append(policy.split("'nonce-", 1)[1].split("'", 1)[0])
        assert nonces[0] != nonces[1]


class UploadLimitTests(TestCase):
    """Check 25: one byte over a limit or too many files is a clean refusal, nothing stored."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(role="Editor")

    def setUp(self):
        self.client.force_login(self.editor)

    def test_too_many_files_in_one_request_is_a_400_and_nothing_is_stored(self):
        files = [
            SimpleUploadedFile(f"x{i}.jpg", b"x", content_type="image/jpeg")
            for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
        ]
        response = self.client.post(
            reverse("admin:articles_image_add"), {"alt_text": "Many", "upload": files}
        )
        assert response.status_code == 400
        assert not Image.objects.exists()

    def test_a_form_body_one_byte_over_the_limit_is_a_400(self):
        body = "alt_text=" + "a" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        response = self.client.post(
            reverse("admin:articles_image_add"),
            body,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 400
        assert not Image.objects.exists()

    def test_one_image_at_the_limit_still_goes_in(self):
        upload = image_file("harbour.jpg", size=(800, 600))
        response = self.client.post(
            reverse("admin:articles_image_add"),
            {"alt_text": "A harbour", "focal_x": "0.5", "focal_y": "0.5", "upload": upload},
        )
        assert response.status_code == 302
        assert Image.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
class StatementTimeoutTests(TestCase):
    """Check 35: runaway SQL is stopped by the server (`DATABASE_STATEMENT_TIMEOUT`)."""

    def test_every_connection_has_the_configured_timeout(self):
        assert settings.STATEMENT_TIMEOUT_MS > 0  # on by default (30 s)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXTRACT(EPOCH FROM current_setting('statement_timeout')::interval) * 1000"
            )
            assert int(cursor.fetchone()[0]) == settings.STATEMENT_TIMEOUT_MS

    def test_no_parallel_workers_unless_configured(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('max_parallel_workers_per_gather')::int")
            assert cursor.fetchone()[0] == settings.PARALLEL_WORKERS == 0

    def test_a_query_past_the_timeout_is_cancelled(self):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '50ms'")
            with pytest.raises(OperationalError, match="statement timeout"):
                with transaction.atomic():
                    cursor.execute("SELECT pg_sleep(2)")
