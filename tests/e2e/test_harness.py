"""The browser checks catch what they look for: each is shown a page that breaks its rule."""

import subprocess

from tests.e2e.checks import (
    axe_violations,
    horizontal_overflow,
    layout_shifts,
    serious,
    settle,
)
from tests.e2e.chromium import CHROMIUM, PHONE

PUSH_CONTENT_DOWN = """() => new Promise((resolve) => requestAnimationFrame(() => {
    const block = document.createElement("div");
    block.style.height = "200px";
    document.querySelector("main").prepend(block);
    requestAnimationFrame(() => resolve(true));
}))"""


def test_the_browser_is_the_system_chromium_with_a_fresh_profile(browser, page):
    installed = subprocess.run(  # noqa: S603 (the configured browser binary)
        [CHROMIUM, "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert browser.version in installed
    page.goto("/")
    assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
    assert page.evaluate("localStorage.length") == 0


def test_watch_records_console_errors_failed_requests_and_dialogs(page, watch):
    page.goto("/")
    with page.expect_console_message():
        page.evaluate("console.error('probe')")
    with page.expect_response("**/no-such-page/"):
        page.evaluate("fetch('/no-such-page/').then(() => true)")
    with page.expect_event("dialog"):
        page.evaluate("alert('probe')")
    assert any("probe" in error for error in watch.console_errors)
    assert any("/no-such-page/: 404" in failure for failure in watch.failed_requests)
    assert watch.dialogs == ["alert: probe"]


def test_layout_shift_measurement_sees_a_shift(page):
    page.goto("/")
    settle(page)
    assert layout_shifts(page) == []
    page.evaluate(PUSH_CONTENT_DOWN)
    shifts = layout_shifts(page)
    assert shifts and sum(shift["value"] for shift in shifts) > 0


def test_axe_reports_an_image_without_alt_and_low_contrast(page):
    page.goto("/")
    page.evaluate("""() => {
        const main = document.querySelector("main");
        main.insertAdjacentHTML("beforeend",
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">'
            + '<p style="color:#eee;background:#fff">Hard to read</p>');
    }""")
    ids = {violation["id"] for violation in serious(axe_violations(page))}
    assert {"image-alt", "color-contrast"} <= ids


def test_overflow_check_sees_a_page_wider_than_a_phone(new_page):
    page = new_page(viewport=PHONE)
    page.goto("/")
    assert horizontal_overflow(page) is None
    page.evaluate("""() => {
        document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<div style="width: 600px; height: 10px"></div>');
    }""")
    assert horizontal_overflow(page)["scrollWidth"] > PHONE["width"]
