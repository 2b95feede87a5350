"""The ad manager's journey in a real browser: book an image ad, readers see it and click it."""

from playwright.sync_api import expect

from ads.models import Placement, PlacementStat
from articles import demo
from articles.models import Article
from tests.e2e.admin_pages import choose, image_upload, log_in, messages
from tests.e2e.checks import layout_shifts, scroll_through
from tests.factories import UserFactory

ALT = "Fabs Inc: chips made with sunshine"
# The advertiser's landing page is a page of our own live server: nothing leaves loopback.
LANDING_PATH = "/sections/business/"


def test_ad_manager_books_an_image_ad_that_readers_see_and_click(seeded, new_page, live_server):
    landing_url = live_server.url + LANDING_PATH
    desk = new_page()
    log_in(desk, UserFactory(username="admanager1", role="Ad manager"))

    desk.goto("/admin/ads/creative/add/")
    desk.get_by_label("Name:").fill("Greener fabs banner")
    desk.get_by_label("Kind:").select_option(label="Image")
    desk.get_by_label("Width:").fill("468")
    desk.get_by_label("Height:").fill("60")
    desk.locator("input[name=image]").set_input_files(
        image_upload((468, 60), "banner.png", fmt="PNG", colour="#2e6b3a")
    )
    desk.get_by_label("Alt text:").fill(ALT)
    desk.get_by_label("Click-through address:").fill(landing_url)
    desk.get_by_role("button", name="Save", exact=True).click()
    expect(messages(desk)).to_contain_text("was added successfully")

    desk.goto("/admin/ads/placement/add/")
    choose(desk, desk.locator(".field-slot .select2-selection"), "YYYYYYYYYY")
    choose(desk, desk.locator(".field-creative .select2-selection"), "Greener fabs banner")
    desk.get_by_role("button", name="Save", exact=True).click()
    expect(messages(desk)).to_contain_text("was added successfully")
    placement = Placement.objects.get(creative__name="Greener fabs banner", slot__code="YYYYYYYYYY")

    reader = new_page()
    reader.goto(Article.objects.get(slug=demo.SEED_ARTICLE["slug"]).get_absolute_url())
    scroll_through(reader)
    slot = reader.locator("[data-ad-slot=YYYYYYYYYY]")
    ad = slot.get_by_role("img", name=ALT)
    expect(ad).to_be_visible()
    expect(slot.locator(".ad-slot__label")).to_have_text("Advertisement")
    expect(slot.get_by_text("Fake Ad Placeholder")).to_have_count(0)
    assert layout_shifts(reader) == [], "the ad moved the page when it arrived"

    with (
        reader.context.expect_event("response", lambda r: r.url == landing_url) as landed,
        reader.expect_popup() as popup,
    ):
        ad.click()
    hop = landed.value.request.redirected_from
    assert hop is not None and hop.url.endswith(f"/ads/click/{placement.pk}/")
    expect(popup.value).to_have_url(landing_url)
    assert sum(stat.clicks for stat in PlacementStat.objects.filter(placement=placement)) == 1
