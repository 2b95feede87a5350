import shutil
import tempfile

import pytest


def pytest_configure(config):
    """Uploads go to a throwaway folder (also from setUpTestData); no collectstatic needed."""
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="newsroom-test-media-")
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tests change rows directly between requests; the page cache has its own tests
    # (tests/articles/test_cache.py), which switch it on.
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_PURGE_URLS = []


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (pages, navigation, purge marks, rate limits)."""
    from django.core.cache import cache

    cache.clear()


def pytest_unconfigure(config):
    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
