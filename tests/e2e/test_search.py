"""A reader searches from the header box, on a phone and on a desktop."""

import re

from playwright.sync_api import expect

from articles import demo
from articles.models import Article
from tests.e2e.chromium import DESKTOP, PHONE

SEED = demo.SEED_ARTICLE


def test_reader_searches_from_the_header_and_opens_a_result(seeded, new_page, watch):
    seed_url = Article.objects.get(slug=SEED["slug"]).get_absolute_url()
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport=viewport)
        page.goto("/")
        box = page.get_by_role("search", name="Site search").get_by_label("Search articles")
        box.fill("Shanghai conference")
        box.press("Enter")
        expect(page).to_have_url(re.compile(r"/search/\?q=Shanghai\+conference$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Search")
        results = page.get_by_role("region", name=re.compile(r"results? for “Shanghai conference”"))
        expect(results.locator("mark").first).to_be_visible()
        results.get_by_role("link", name=SEED["headline"]).click()
        expect(page).to_have_url(re.compile(re.escape(seed_url) + "$"))
    watch.assert_clean()


def test_a_bad_date_filter_is_explained_next_to_the_field(seeded, page, watch):
    page.goto("/search/?q=ai&date_from=2025-05-02&date_to=2025-05-01")
    expect(page.get_by_role("alert")).to_contain_text("The start date must be on or before")
    expect(page.get_by_label("Search for")).to_have_value("ai")
    # The page answers 400 on purpose (Chromium logs that); nothing else may go wrong.
    assert [e for e in watch.console_errors if "status of 400" not in e] == []
    assert [r for r in watch.failed_requests if "/search/?" not in r] == []


def test_the_query_language_and_did_you_mean_on_the_demo(seeded, page, watch):
    """Item 18: `-word` leaves out, `or` finds either, a slip gets "Did you mean" (on the
    database the suite runs on: SQLite or PostgreSQL, the same query language)."""
    page.goto("/search/?q=" + "china+-trump")
    results = page.locator(".search-results__list")
    expect(results.get_by_role("link", name=SEED["headline"])).to_have_count(0)
    page.goto("/search/?q=" + "deregulation")
    alone = page.locator(".search-results__list li").count()
    page.goto("/search/?q=" + "batteries+or+deregulation")
    expect(page.get_by_role("link", name=SEED["headline"])).to_be_visible()
    assert page.locator(".search-results__list li").count() > alone
    page.goto("/search/?q=" + "artifical+inteligence")
    suggestion = page.get_by_role("link", name="artificial intelligence")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page).to_have_url(re.compile(r"q=artificial\+intelligence$"))
    expect(page.get_by_role("link", name=SEED["headline"])).to_be_visible()
    watch.assert_clean()
