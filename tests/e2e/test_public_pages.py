"""Every public page type, in a real browser: clean console, stable layout, accessible, fits."""

import pytest
from playwright.sync_api import expect

from articles import demo
from articles.models import Article, Author, Section, Tag
from tests.e2e.checks import (
    axe_violations,
    horizontal_overflow,
    layout_shifts,
    scroll_through,
    settle,
)
from tests.e2e.chromium import DESKTOP, PHONE

PAGE_TYPES = ["home", "article", "tag", "author", "section", "corrections", "search"]


def url_of(page_type):
    """A page of the given type from the demo content, one that lists the seed article."""
    seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    return {
        "home": lambda: "/",
        "article": seed.get_absolute_url,
        "tag": Tag.objects.get(name=demo.SEED_ARTICLE["tags"][0]).get_absolute_url,
        "author": Author.objects.get(slug=demo.SEED_ARTICLE["author"]).get_absolute_url,
        "section": Section.objects.get(slug=demo.SEED_ARTICLE["section"]).get_absolute_url,
        "corrections": lambda: "/corrections/",
        "search": lambda: "/search/?q=" + demo.SEED_ARTICLE["tags"][0].replace(" ", "+"),
    }[page_type]()


def visit(page, page_type):
    response = page.goto(url_of(page_type))
    assert response.status == 200
    scroll_through(page)
    return page


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_loads_without_console_errors_failed_requests_or_dialogs(
    seeded, page, watch, page_type
):
    visit(page, page_type)
    watch.assert_clean()


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_layout_does_not_shift_while_the_page_and_its_ads_load(seeded, new_page, page_type):
    for viewport in (PHONE, DESKTOP):
        page = visit(new_page(viewport=viewport), page_type)
        if page_type == "article":
            expect(page.locator("[data-ad-slot]")).to_have_count(2)
        assert layout_shifts(page) == [], f"layout shifted at {viewport['width']} px"


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_has_no_accessibility_violations_of_any_impact(seeded, page, page_type):
    visit(page, page_type)
    assert axe_violations(page) == []
    assert page.locator("img:not([alt])").count() == 0, "an image without alt text"
    expect(page.locator("h1")).to_have_count(1)
    for landmark in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(landmark)).to_have_count(1)
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_fits_phone_and_desktop_widths_without_horizontal_scroll(seeded, new_page, page_type):
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport=viewport)
        page.goto(url_of(page_type))
        settle(page)
        assert horizontal_overflow(page) is None, f"horizontal scroll at {viewport['width']} px"


def test_search_box_keeps_its_place_while_the_header_is_still_arriving(seeded, new_page):
    """A slow page can be painted before the search button is parsed (seen in CI at 375 px).

    The form's box must not depend on its button, or the half-parsed header jumps when the
    button arrives: the form is measured whole, then with its button gone, at both widths.
    """
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport=viewport)
        page.goto(url_of("home"))
        form = page.locator("form.site-search")
        box = "(form) => JSON.stringify(form.getBoundingClientRect())"
        whole = form.evaluate(box)
        form.locator("button").evaluate("(button) => button.remove()")
        assert form.evaluate(box) == whole, f"the search form moved at {viewport['width']} px"
