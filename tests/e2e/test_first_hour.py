"""Issue 23, the desk in a new user's first hour, as a person sees it in Chromium."""

import pytest
from playwright.sync_api import expect

from articles import services
from tests.e2e.admin_pages import log_in
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
