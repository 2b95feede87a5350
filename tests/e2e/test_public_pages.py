"""Every public page type, in a real browser: clean console, stable layout, accessible, fits."""

import pytest
from django.core.cache import cache as django_cache
from playwright.sync_api import expect

from articles import demo
from articles.media import services as media
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


# Issue 23, item 19: what each card image's `sizes` says, against the width it is laid out at.
SIZES_AND_WIDTH = """(img) => {
    const parts = [];
    let depth = 0, current = "";
    for (const char of img.sizes) {
        if (char === "(") depth++;
        if (char === ")") depth--;
        if (char === "," && depth === 0) { parts.push(current.trim()); current = ""; }
        else current += char;
    }
    parts.push(current.trim());
    for (const part of parts) {
        const match = part.match(/^(\\([^)]*\\))\\s+(.*)$/);
        const media = match ? match[1] : null;
        const length = match ? match[2] : part;
        if (media === null || matchMedia(media).matches) {
            const probe = document.createElement("div");
            probe.style.cssText = "position:absolute;visibility:hidden;height:1px;width:" + length;
            document.body.append(probe);
            const said = probe.getBoundingClientRect().width;
            probe.remove();
            return [said, img.getBoundingClientRect().width];
        }
    }
    return null;
}"""


@pytest.mark.parametrize("page_type", ["home", "section"])
def test_card_sizes_match_the_layout_and_the_first_row_loads_at_once(seeded, new_page, page_type):
    # Renditions (and so `srcset` and `sizes`) for the images of the first cards.
    newest = Article.objects.published().exclude(lead_image=None).order_by("-published_at")
    for image_id in newest.values_list("lead_image_id", flat=True)[:6]:
        media.process_image(image_id=image_id)
    for width in (375, 700, 900, 1150, 1280, 1600):
        page = new_page(viewport={"width": width, "height": 900})
        page.goto(url_of(page_type))
        settle(page)
        images = page.locator(
            ".card-grid .card__image img[sizes], .card--lead .card__image img[sizes]"
        )
        assert images.count() >= 2
        for image in images.all():
            said, laid_out = image.evaluate(SIZES_AND_WIDTH)
            assert abs(said - laid_out) <= 1, (width, image.get_attribute("sizes"), laid_out)
        grid = page.locator(".card-grid > .card")
        loading = [card.locator("img").get_attribute("loading") for card in grid.all()[:8]
                   if card.locator("img").count()]  # fmt: skip
        first_row = [card for card in grid.all()[:4] if card.locator("img").count()]
        assert loading[: len(first_row)] == [None] * len(first_row), loading
        assert all(value == "lazy" for value in loading[len(first_row) :]), loading


def test_fourteen_sections_stay_one_row_on_a_phone(seeded, new_page):
    """Issue 23, item 21: the navigation wrapped to seven rows on a 375 px phone."""
    for n, name in enumerate(
        ["Health", "Sport", "Culture", "Opinion", "Education", "Travel", "Food", "Obituaries"]
    ):
        Section.objects.create(name=name, slug=name.lower(), position=100 + n)
    django_cache.clear()  # the kept navigation (the live server shares this process's cache)
    assert Section.objects.count() == 14
    page = new_page(viewport=PHONE)
    page.goto("/")
    settle(page)
    nav = page.get_by_role("navigation", name="Sections")
    links = nav.get_by_role("link")
    expect(links).to_have_count(14)
    tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all())}
    assert len(tops) == 1, f"the sections wrap onto {len(tops)} rows"
    assert nav.bounding_box()["height"] < 48
    assert horizontal_overflow(page) is None
    last = links.last
    last.focus()  # keyboard users reach every section: focus scrolls it into view
    expect(last).to_be_in_viewport()
    assert layout_shifts(page) == []
    assert axe_violations(page) == []
    desktop = new_page(viewport=DESKTOP)
    desktop.goto("/")
    nav = desktop.get_by_role("navigation", name="Sections")
    assert all(link.is_visible() for link in nav.get_by_role("link").all())


def test_listing_layout_has_no_blanks_or_repeats(seeded, new_page):
    """Issue 23, item 20: a lead story without an image, the cells before the listing ad row,
    the section's name on its own page's cards, and the lead image's caption and credit."""
    seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    page = new_page(viewport=DESKTOP)
    page.goto(seed.get_absolute_url())
    caption = page.locator(".lead-image figcaption")
    credit = caption.locator(".credit")
    expect(credit).to_have_text("Newsroom illustration")
    assert credit.bounding_box()["y"] >= caption.bounding_box()["y"] + 12, (
        "credit on the caption's line"
    )

    page.goto("/")
    settle(page)
    slot = page.locator(".card-grid > .ad-slot")
    expect(slot).to_have_count(1)
    slot_top = slot.bounding_box()["y"]
    above = [
        c for c in page.locator(".card-grid > .card").all() if c.bounding_box()["y"] < slot_top
    ]
    columns = len({round(c.bounding_box()["x"]) for c in above})
    assert columns == 4 and len(above) % columns == 0, "empty cells before the ad row"

    page.goto(Section.objects.get(slug=demo.SEED_ARTICLE["section"]).get_absolute_url())
    expect(page.locator(".card-grid .card").first).to_be_visible()
    expect(page.locator(".card-grid .card__section:visible")).to_have_count(0)

    # The newest story, now without an image, leads the front page: it takes the width.
    Article.objects.filter(pk=seed.pk).update(lead_image=None)
    django_cache.clear()
    for width in (768, 1280):
        page = new_page(viewport={"width": width, "height": 900})
        page.goto("/")
        lead = page.locator(".card--lead")
        expect(lead.locator("img")).to_have_count(0)
        headline = lead.locator(".card__headline--lead")
        assert headline.bounding_box()["width"] > 0.9 * lead.bounding_box()["width"]
        assert lead.bounding_box()["height"] < 400, "a blank block beside the lead story"
        assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/feed/", "/feed/atom/"])
def test_a_feed_opened_in_a_browser_reads_as_a_page(seeded, new_page, watch, path):
    """Issue 23, item 23: /feed/ was a wall of XML; its XSLT stylesheet makes it a page."""
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport=viewport)
        page.goto(path)
        settle(page)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Newsroom")
        expect(page.get_by_text("This is a news feed.")).to_be_visible()
        story = page.get_by_role("link", name=demo.SEED_ARTICLE["headline"])
        expect(story).to_be_visible()
        assert story.get_attribute("href").endswith(
            Article.objects.get(slug=demo.SEED_ARTICLE["slug"]).get_absolute_url()
        )
        assert horizontal_overflow(page) is None
        # Chromium 155+ adds its own notice that XSLT support is going away (with an inline
        # close handler our CSP blocks): not our markup, so left out of the checks.
        banner = page.evaluate(
            "[...document.querySelectorAll('xslt-warning-banner')].map(e => e.remove()).length"
        )
        assert axe_violations(page) == []
        if banner:
            watch.console_errors = [
                error
                for error in watch.console_errors
                if not error.startswith("Executing inline event handler violates")
            ]
    watch.assert_clean()
