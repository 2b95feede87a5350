"""End-to-end harness: Debian's Chromium, driven by Playwright, against Django's live server.

Playwright never downloads a browser here: it drives `/usr/bin/chromium` (Debian's package;
`.ci/run` installs it). Without that binary the suite is skipped with a message, except in CI,
where a missing browser is an error. A failed test leaves a screenshot and the HTML of every
open page in `tests/e2e/artifacts/` (git-ignored).
"""

import os
import re
import time
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS, DESKTOP, TIMEOUT_MS, in_ci

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the whole suite, with a fresh, throwaway profile."""
    if not CHROMIUM.exists():
        message = (
            f"No Chromium at {CHROMIUM}: end-to-end browser tests skipped. "
            "Install Debian's `chromium` package (or set NEWSROOM_CHROMIUM) to run them."
        )
        if in_ci():
            pytest.fail(message.replace("skipped", "cannot run in CI"), pytrace=False)
        pytest.skip(message)
    # Playwright's sync API keeps an asyncio loop running in the main thread for as long as it
    # is started, and Django then refuses every ORM call from that thread (seeding the database,
    # reading it back to assert, pytest-django's flush after each test) with
    # SynchronousOnlyOperation. Nothing else runs on that loop while the test thread blocks on
    # the database (the live server answers the browser from its own threads), so the guard
    # protects nothing here. It is lifted only while Playwright runs, i.e. for this package.
    env = {"DJANGO_ALLOW_ASYNC_UNSAFE": "1", "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    with mock.patch.dict(os.environ, env), sync_playwright() as playwright:
        # launch() gives Chromium a new temporary --user-data-dir and deletes it on close.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        expect.set_options(timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def live_server():
    """Django's live server on 127.0.0.1 against the test database.

    Overrides pytest-django's fixture (which listens on "localhost") so that only the loopback
    address is used. It serves static files through the finders and uploads from the test
    MEDIA_ROOT, with DEBUG off as in production. Tests that use it get `transactional_db`.
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def seeded(live_server):
    """The demo content (`manage.py seed_demo`), committed so the live server sees it.

    Renditions are made for the seed article's lead image only (making them for every demo
    image would cost about a minute per test); the other cards show the re-encoded master.
    """
    from django.test import override_settings

    from articles import demo
    from articles.media import services as media
    from articles.models import Article

    queue_only = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "images"],
        }
    }
    with override_settings(TASKS=queue_only):
        call_command("seed_demo", stdout=StringIO())
    article = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    media.process_image(image_id=article.lead_image_id)


@dataclass
class Watch:
    """What went wrong in the browser while a test ran."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page):
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("requestfailed", self.on_request_failed)
        page.on("response", self.on_response)
        page.on("dialog", self.on_dialog)

    def ours(self, url):
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def on_console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_request_failed(self, request):
        # ERR_ABORTED is the browser cancelling a request itself, e.g. an image still loading
        # when the reader follows a link: nothing our server did wrong.
        if self.ours(request.url) and request.failure != "net::ERR_ABORTED":
            self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(self, response):
        if self.ours(response.url) and response.status >= 400:
            self.failed_requests.append(
                f"{response.request.method} {response.url}: {response.status}"
            )

    def on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_clean(self):
        assert self.console_errors == [], "console errors"
        assert self.failed_requests == [], "failed requests to our own origin"
        assert self.dialogs == [], "JavaScript dialogs"


@pytest.fixture
def watch(live_server):
    return Watch(origin=live_server.url)


@pytest.fixture
def new_page(browser, live_server, watch):
    """Open pages in new browser contexts (a fresh cookie jar each), all watched."""
    contexts = []

    def open_page(viewport=DESKTOP, **context_options):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, **context_options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        return page

    yield open_page
    # Leaving an article form sends "I left" and autosave beacons (static/articles/desk.js):
    # leave every page first and let them land while the test database still exists.
    left = False
    for context in contexts:
        for page in context.pages:
            if "/admin/articles/article/" in page.url:
                page.goto("about:blank")
                left = True
    if left:
        time.sleep(0.5)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized page in its own context."""
    return new_page()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """After a failed test, save a screenshot and the HTML of every page still open."""
    report = yield
    if report.when == "call" and report.failed:
        chromium = item.funcargs.get("browser")
        if chromium is not None:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("tests/e2e/")[-1])
            saved = save_artifacts(chromium, name)
            if saved:
                report.sections.append(("e2e artifacts", "\n".join(map(str, saved))))
    return report


def save_artifacts(chromium, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    saved = []
    pages = [page for context in chromium.contexts for page in context.pages]
    for number, page in enumerate(pages, start=1):
        stem = ARTIFACTS / f"{name}-{number}"
        try:
            page.screenshot(path=f"{stem}.png", full_page=True, timeout=5_000)
            saved.append(Path(f"{stem}.png"))
            Path(f"{stem}.html").write_text(
                f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8"
            )
            saved.append(Path(f"{stem}.html"))
        except Exception as error:  # never let a broken page hide the test's own failure
            saved.append(f"{stem}: could not save ({error})")
    return saved
