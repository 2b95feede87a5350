"""Issue 23, the desk in a new user's first hour, as a person sees it in Chromium."""

import pytest
from playwright.sync_api import expect

from articles import services
from tests.e2e.admin_pages import image_upload, log_in
from tests.e2e.checks import axe_violations, horizontal_overflow
from tests.e2e.chromium import DESKTOP, PHONE
from tests.e2e.test_newsroom import change_url, draft_by
from tests.factories import UserFactory


def clean(page, name):
    """No horizontal scroll and no axe violation of any impact on the page as it stands."""
    assert horizontal_overflow(page) is None, name
    assert axe_violations(page) == [], name


@pytest.fixture
def fast_heartbeat(settings):
    settings.NEWSROOM_HEARTBEAT_SECONDS = 1


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_two_editors_are_told_about_each_other_and_one_alone_sees_no_warning(
    seeded, new_page, watch, fast_heartbeat, viewport
):
    writer = UserFactory(username="writer1", role="Writer")
    article = services.submit_for_review(article=draft_by(writer), by=writer)
    first, second = new_page(viewport=viewport), new_page(viewport=viewport)
    log_in(first, UserFactory(username="editor1", role="Editor"))
    log_in(second, UserFactory(username="editor2", role="Editor"))

    first.goto(change_url(article))
    warning = first.locator("#edit-lock")
    expect(warning).to_be_hidden()
    first.wait_for_timeout(1500)  # a heartbeat or two, still alone
    expect(warning).to_be_hidden()
    clean(first, "alone")

    second.goto(change_url(article))
    expect(second.locator("#edit-lock")).to_be_visible()
    expect(second.locator("#edit-lock")).to_contain_text("editor1 is editing since")
    # The first editor hears of the second at the next heartbeat.
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("editor2 is editing since")
    expect(warning).to_contain_text("If you both save, the later save is refused")
    clean(first, "told")

    second.goto("about:blank")  # leaving sends "I left"
    expect(warning).to_be_hidden()
    watch.assert_clean()


FITS = """() => {
    const inside = (el, box) => {
        const a = el.getBoundingClientRect(), b = box.getBoundingClientRect();
        return a.left >= b.left - 0.5 && a.right <= b.right + 0.5;
    };
    const headline = document.getElementById("id_headline");
    const summary = document.querySelector(".desk-previews > summary");
    return {
        headlineCut: headline.scrollWidth > headline.clientWidth
            || headline.scrollHeight > headline.clientHeight,
        wideInputs: ["id_slug", "id_seo_title", "id_seo_description"].filter((id) => {
            const input = document.getElementById(id);
            return !inside(input, input.closest("fieldset"));
        }),
        summaryMarker: getComputedStyle(summary).display === "list-item",
    };
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_seed_headline_is_whole_and_inputs_fit_their_column(seeded, page, viewport):
    from articles import demo
    from articles.models import Article

    page.set_viewport_size(viewport)
    log_in(page, UserFactory(username="editor1", role="Editor"))
    article = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    page.goto(change_url(article))
    expect(page.get_by_label("Headline:")).to_have_value(demo.SEED_ARTICLE["headline"])
    assert page.evaluate(FITS) == {"headlineCut": False, "wideInputs": [], "summaryMarker": False}
    # One line all the same: Enter does not break the headline.
    page.get_by_label("Headline:").press("End")
    page.get_by_label("Headline:").press("Enter")
    expect(page.get_by_label("Headline:")).to_have_value(demo.SEED_ARTICLE["headline"])
    clean(page, f"seed-{viewport['width']}")


def test_article_list_fits_1280_and_dashboard_and_login_fit_a_phone(seeded, new_page, watch):
    login = new_page(viewport=PHONE)
    login.goto("/admin/login/")
    expect(login.get_by_role("heading", level=1)).to_have_text("Newsroom desk")
    clean(login, "login-375")

    desk = new_page(viewport=DESKTOP)
    log_in(desk, UserFactory(username="editor1", role="Editor"))
    desk.goto("/admin/articles/article/")
    fits = desk.evaluate("""() => {
        const table = document.getElementById("result_list").getBoundingClientRect();
        const results = document.querySelector(".results").getBoundingClientRect();
        const rows = [...document.querySelectorAll("#result_list tbody tr")];
        return {fits: table.right <= results.right + 0.5,
                tallest: Math.max(...rows.map((row) => row.getBoundingClientRect().height))};
    }""")
    assert fits["fits"], fits
    assert fits["tallest"] < 90, fits  # at most about three lines of headline and its byline
    expect(desk.locator("th.column-updated")).to_be_in_viewport()
    clean(desk, "changelist-1280")

    phone = new_page(viewport=PHONE)
    log_in(phone, UserFactory(username="editor2", role="Editor"))
    phone.goto("/admin/articles/article/dashboard/")
    scheduled = phone.locator("#scheduled td").filter(has_text="UTC").first
    scheduled.scroll_into_view_if_needed()
    box = scheduled.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    clean(phone, "dashboard-375")
    watch.assert_clean()


MARK_ON_IMAGE = """() => {
    const image = document.querySelector("[data-focal-picker]").getBoundingClientRect();
    const mark = document.querySelector(".focal-picker__mark").getBoundingClientRect();
    const x = mark.left + mark.width / 2, y = mark.top + mark.height / 2;
    return {
        inside: x >= image.left && x <= image.right && y >= image.top && y <= image.bottom,
        atFocus: [(x - image.left) / image.width, (y - image.top) / image.height],
    };
}"""


def test_image_add_previews_the_file_and_the_focal_mark_sits_on_the_image(seeded, page, watch):
    from articles.media.models import Image

    log_in(page, UserFactory(username="editor1", role="Editor"))
    page.goto("/admin/articles/image/add/")
    expect(page.get_by_text("Choose an image file: it shows here")).to_be_visible()
    expect(page.get_by_alt_text("The chosen file")).to_be_hidden()
    page.get_by_label("Image file:").set_input_files(image_upload((2400, 1200), "wide.jpg"))
    preview = page.get_by_alt_text("The chosen file")
    expect(preview).to_be_visible()
    box = preview.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    expect(page.locator("#id_focal_x")).to_have_value("0.25")
    assert page.evaluate(MARK_ON_IMAGE)["inside"]
    clean(page, "image-add")
    page.get_by_label("Alt text:").fill("A wide test picture")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    image = Image.objects.get(alt_text="A wide test picture")
    assert image.focal_x == 0.25
    page.goto(f"/admin/articles/image/{image.pk}/change/")
    mark = page.evaluate(MARK_ON_IMAGE)
    assert mark["inside"], mark
    assert abs(mark["atFocus"][0] - 0.25) < 0.02 and abs(mark["atFocus"][1] - 0.5) < 0.02
    clean(page, "image-change")
    watch.assert_clean()
