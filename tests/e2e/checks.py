"""What the browser measures on a page: layout shift, accessibility (axe-core), overflow."""

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}

IMAGES_IN_VIEW_LOADED = """() => Array.from(document.images)
    .filter((img) => {
        const box = img.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight && box.width > 0;
    })
    .every((img) => img.complete)"""

SCROLL_ONE_SCREEN = """() => {
    const before = window.scrollY;
    window.scrollBy(0, window.innerHeight);
    return window.scrollY > before;
}"""

LAYOUT_SHIFTS = """() => new Promise((resolve) => {
    if (!PerformanceObserver.supportedEntryTypes.includes("layout-shift")) {
        resolve(null);
        return;
    }
    const describe = (node) => node && node.nodeType === 1
        ? node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
            + (node.className ? "." + String(node.className).trim().replace(/\\s+/g, ".") : "")
        : String(node && node.nodeName);
    const shifts = [];
    const record = (entries) => {
        for (const entry of entries) {
            if (!entry.hadRecentInput) {
                shifts.push({
                    value: entry.value,
                    sources: (entry.sources || []).map((source) => describe(source.node)),
                });
            }
        }
    };
    // buffered: also every shift since navigation started, i.e. while the page loaded.
    const observer = new PerformanceObserver((list) => record(list.getEntries()));
    observer.observe({ type: "layout-shift", buffered: true });
    requestAnimationFrame(() => requestAnimationFrame(() => {
        record(observer.takeRecords());
        observer.disconnect();
        resolve(shifts);
    }));
})"""

RUN_AXE = """async () => {
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
    }));
}"""

OVERFLOWING = """() => {
    const width = window.innerWidth;
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: width,
        culprits: Array.from(document.querySelectorAll("body *"))
            .filter((el) => el.getBoundingClientRect().right > width + 0.5)
            .slice(0, 5)
            .map((el) => el.outerHTML.slice(0, 120)),
    };
}"""


def settle(page):
    """Wait until the page has loaded, its fonts are ready and the images in view are drawn."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_function(IMAGES_IN_VIEW_LOADED)


def scroll_through(page):
    """Scroll a screen at a time to the bottom, letting lazy images and ads below load."""
    settle(page)
    while page.evaluate(SCROLL_ONE_SCREEN):
        page.wait_for_function(IMAGES_IN_VIEW_LOADED)
    page.wait_for_function("() => Array.from(document.images).every((img) => img.complete)")


def layout_shifts(page):
    """Every unexpected layout shift since navigation: [{value, sources}], [] when none."""
    shifts = page.evaluate(LAYOUT_SHIFTS)
    assert shifts is not None, "this Chromium does not report layout-shift entries"
    return shifts


@cache
def axe_source():
    assert AXE_JS.exists(), (
        f"{AXE_JS} is missing: `make test` installs it (npm ci --prefix tests/e2e)"
    )
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page):
    """axe-core's violations on the page as it stands.

    Our CSP (`script-src 'self'`) blocks an injected <script> tag, so axe is evaluated through
    the DevTools protocol, which CSP does not govern. That keeps the page under its real policy
    (no `bypass_csp` context that would also hide our own CSP errors from the console check).
    """
    page.evaluate(axe_source())
    return page.evaluate(RUN_AXE)


def serious(violations):
    return [violation for violation in violations if violation["impact"] in SERIOUS]


def horizontal_overflow(page):
    """None when the page fits its viewport's width, else what sticks out."""
    found = page.evaluate(OVERFLOWING)
    return None if found["scrollWidth"] <= found["innerWidth"] else found
