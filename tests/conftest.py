import os
import shutil
import tempfile

import pytest

# `make test` runs the suite on two processes (pytest-xdist). Each test file is one unit of
# work (its classes' fixtures are built once, and a file that starts servers on fixed loopback
# ports never meets itself), except where files share something outside the process: the
# browser tests share one Chromium and live server (and would fight a second for the two
# cores), and the Redis tests share database 7 on 127.0.0.1:6379.
SHARED_UNITS = {
    "tests/e2e/": "browser",
    "tests/articles/delivery/test_page_cache_hit.py": "redis-db7",
    "tests/articles/delivery/test_page_memo.py": "redis-db7",
}


def unit_of_work(nodeid):
    path = nodeid.split("::", 1)[0]
    return next((unit for prefix, unit in SHARED_UNITS.items() if path.startswith(prefix)), path)


@pytest.hookimpl(optionalhook=True)  # `-p no:xdist` runs the suite in one process
def pytest_xdist_make_scheduler(config, log):
    # Not --dist loadgroup: with pytest 9 its xdist_group marks no longer reach the scheduler.
    from xdist.scheduler import LoadScopeScheduling

    class ByUnitOfWork(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return unit_of_work(nodeid)

    return ByUnitOfWork(config, log)


def pytest_configure(config):
    """Uploads go to a throwaway folder (also from setUpTestData); no collectstatic needed."""
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="newsroom-test-media-")
    settings.INCOMING_ROOT = tempfile.mkdtemp(prefix="newsroom-test-incoming-")
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tasks run inline where they are enqueued; tests of the queue itself pick their backend.
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "images"],
        }
    }
    # Django built the backends while loading the apps; build them again from the new setting.
    from django.test.signals import setting_changed

    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)
    # Tests change rows directly between requests; the page cache has its own tests
    # (tests/articles/delivery/test_cache.py), which switch it on.
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_PURGE_URLS = []
    # Live changes purge proxies at once in tests (articles/live/services.py waits a moment).
    settings.NEWSROOM_LIVE_PROXY_PURGE_DELAY = 0
    # Tests sign in with force_login (and the e2e journeys by form): the admin's second factor
    # is off unless a test switches it on (tests/security/test_admin_mfa.py).
    settings.NEWSROOM_ADMIN_MFA = False
    # So do the servers some tests start in subprocesses (tests/test_two_servers.py).
    os.environ.setdefault("NEWSROOM_ADMIN_MFA", "0")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (pages, navigation, purge marks, rate limits)."""
    from django.core.cache import cache

    cache.clear()


def pytest_unconfigure(config):
    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(settings.INCOMING_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_publication_settings(request, django_db_blocker):
    """Each test starts with the publication settings cached, as on a running site.

    They are cached across requests, so without this the first request of a test would pay
    one query more than the next (breaking "costs the same" query budgets), and a row rolled
    back with one test would linger in the cache for the next.
    """
    from django.test import TransactionTestCase

    from articles.publication import clear_publication_cache, get_publication

    clear_publication_cache()
    if isinstance(request.instance, TransactionTestCase):
        from django.db import DatabaseError, connection

        with django_db_blocker.unblock():
            try:
                get_publication()
            except DatabaseError:  # a fault test killed the connection: no warm-up then
                connection.close()
    yield
    clear_publication_cache()
