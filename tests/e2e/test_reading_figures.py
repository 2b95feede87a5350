"""The reading-figures beacon in a real browser: one view when the article is shown, the
seconds in view when the reader leaves, nothing while hidden, no cookie and no storage."""

from urllib.parse import parse_qs

import pytest

from articles import demo
from articles.analytics import services
from articles.analytics.models import DailyCount
from articles.analytics.store import MEMORY
from articles.models import Article

# Headless Chromium says "HeadlessChrome", which the endpoint drops as a robot.
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
HIDE = """() => {
  Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""
START_HIDDEN = """
Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
"""


@pytest.fixture(autouse=True)
def memory_store(settings):
    """Hits wait in this process's memory (the live server's threads share it) until the test
    flushes them: the server never writes them itself while the test database is torn down."""
    settings.NEWSROOM_ANALYTICS_REDIS_URL = ""
    settings.NEWSROOM_ANALYTICS_MEMORY_FLUSH_SECONDS = 3600
    MEMORY.clear()
    yield
    MEMORY.clear()


def is_hit(request):
    return request.method == "POST" and request.url.endswith("/analytics/hit")


def fields(request):
    return {k: v[0] for k, v in parse_qs(request.post_data, keep_blank_values=True).items()}


def test_a_shown_article_is_counted_once_with_its_reading_time(seeded, new_page, watch):
    DailyCount.objects.all().delete()  # the demo's made-up figures
    seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    page = new_page(user_agent=CHROME)
    with page.expect_request(is_hit) as view:
        page.goto(seed.get_absolute_url())
    assert fields(view.value) == {"t": "view", "a": str(seed.pk), "r": ""}
    page.wait_for_timeout(1200)
    with page.expect_request(is_hit) as leave:
        page.evaluate(HIDE)
    sent = fields(leave.value)
    assert sent["t"] == "leave" and sent["a"] == str(seed.pk) and int(sent["s"]) >= 1
    assert page.context.cookies() == []
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    services.flush(store=MEMORY)
    row = DailyCount.objects.get(article=seed)
    assert (row.views, row.visitors) == (1, 1) and row.engaged_seconds >= 1
    watch.assert_clean()


def test_nothing_is_sent_until_a_hidden_page_is_shown(seeded, new_page):
    seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    page = new_page(user_agent=CHROME)
    page.add_init_script(START_HIDDEN)
    hits = []
    page.on("request", lambda request: hits.append(request) if is_hit(request) else None)
    page.goto(seed.get_absolute_url())
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert hits == []
    with page.expect_request(is_hit) as view:
        page.evaluate(SHOW)
    assert fields(view.value)["t"] == "view"
