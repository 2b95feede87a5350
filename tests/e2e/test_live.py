"""Live coverage in Chromium: an editor posts in the composer, a reader's open page shows the
entry without reloading (behind the "new updates" button, never scrolling the reader), a
removed entry disappears, no console errors, no layout shift, no axe violations."""

import pytest
from playwright.sync_api import expect

from articles.live.management.commands.seed_live import SLUG
from articles.live.models import LiveCoverage, LiveEntry
from articles.roles import EDITOR
from tests.e2e.admin_pages import log_in
from tests.e2e.checks import axe_violations, layout_shifts, settle
from tests.factories import UserFactory

TEXT = "The river has peaked at Millbridge, engineers say."


@pytest.fixture(autouse=True)
def fast_polls(settings):
    settings.NEWSROOM_LIVE_POLL_SECONDS = 1


def test_an_editor_posts_and_removes_and_an_open_reader_page_follows(seeded, new_page, watch):
    coverage = LiveCoverage.objects.get(article__slug=SLUG)
    editor = UserFactory(username="live-editor", role=EDITOR)

    reader = new_page()
    reader.goto(coverage.article.get_absolute_url())
    settle(reader)
    entries = reader.locator(".live__entries > .live-entry")
    expect(entries).to_have_count(11)
    expect(reader.locator(".live__pinned > .live-entry")).to_have_count(1)
    assert axe_violations(reader) == []
    scrolled = reader.evaluate("() => window.scrollY")

    desk = new_page()
    log_in(desk, editor)
    desk.goto(f"/admin/live/livecoverage/{coverage.pk}/change/")
    expect(desk.locator(".composer__stream > .composer__entry")).to_have_count(12)
    desk.get_by_label("Headline (optional)").fill("River peaks")
    desk.get_by_label("Update", exact=True).fill(TEXT)
    desk.get_by_role("button", name="Publish", exact=True).click()
    expect(desk.locator(".composer__message")).to_have_text("Published.")
    expect(desk.locator(".composer__stream > .composer__entry", has_text=TEXT)).to_have_count(1)
    posted = LiveEntry.objects.get(headline="River peaks")
    assert posted.status == "published" and posted.created_by == editor

    # The reader's page learns of it by polling, and waits for the reader to ask.
    new_updates = reader.get_by_role("button", name="1 new update")
    expect(new_updates).to_be_visible()
    assert reader.evaluate("() => window.scrollY") == scrolled
    expect(entries).to_have_count(11)
    new_updates.click()
    expect(reader.locator(f"#entry-{posted.pk}")).to_contain_text(TEXT)
    expect(entries).to_have_count(12)

    # Removed in the composer (asked twice, no dialog): gone from the reader's page.
    remove = desk.locator(f'.composer__entry[data-id="{posted.pk}"] button[data-action="remove"]')
    remove.click()
    remove.click()
    expect(desk.locator(f'.composer__entry[data-id="{posted.pk}"]')).to_contain_text("removed")
    expect(reader.locator(f"#entry-{posted.pk}")).to_have_count(0)
    expect(reader.get_by_text(TEXT)).to_have_count(0)

    assert layout_shifts(reader) == []
    assert axe_violations(reader) == []
    assert axe_violations(desk) == []
    watch.assert_clean()
