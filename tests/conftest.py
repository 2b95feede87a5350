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


def pytest_unconfigure(config):
    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_publication_settings():
    """The publication settings are cached across requests; tests roll their rows back."""
    from articles.publication import clear_publication_cache

    clear_publication_cache()
    yield
    clear_publication_cache()
