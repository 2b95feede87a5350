"""The writing desk in Chromium at 1280 and 375 px: typing, tags, bylines, autosave, conflicts."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles import services
from articles.models import Article, Author
from tests.e2e.admin_pages import log_in, messages
from tests.e2e.checks import axe_violations, horizontal_overflow
from tests.e2e.chromium import DESKTOP, PHONE
from tests.e2e.test_newsroom import change_url, draft_by
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SEED_SLUG = "china-advocates-for-global-ai-cooperation-amid-us-deregulation-moves"
TAGS = [f"Desk tag {i}" for i in range(29)] + ['"Energy, grid"']
PASTE = """(text) => {
    const entry = document.querySelector(".tag-list__entry");
    const data = new DataTransfer();
    data.setData("text/plain", text);
    entry.focus();
    const options = { clipboardData: data, bubbles: true, cancelable: true };
    entry.dispatchEvent(new ClipboardEvent("paste", options));
}"""


def check_page(page, name):
    """No horizontal scroll, no axe violation of any impact; a screenshot as an artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=True)
    assert horizontal_overflow(page) is None, name
    violations = axe_violations(page)
    assert violations == [], (name, violations)


@pytest.fixture
def fast_autosave(settings):
    settings.NEWSROOM_AUTOSAVE_SECONDS = 1


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_writer_types_pastes_tags_orders_bylines_and_restores_an_autosave(
    seeded, new_page, watch, fast_autosave, viewport
):
    writer = UserFactory(username="writer1", role="Writer")
    Author.objects.filter(slug="amara-okafor").update(user=writer)
    colleague = AuthorFactory(name="Lena Park")
    page = new_page(viewport=viewport)
    log_in(page, writer)

    page.goto("/admin/articles/article/add/")
    page.get_by_label("Headline:").press_sequentially("Heat pumps win the winter")
    page.get_by_label("Standfirst:").fill("Installers report record orders across the region.")
    page.locator('.ProseMirror[contenteditable="true"]').click()
    page.keyboard.type("Demand doubled in a year.")
    assert (
        page.locator('.ProseMirror[contenteditable="true"]').get_attribute("spellcheck") == "true"
    )
    page.get_by_label("Section:").select_option(label="Technology")
    page.get_by_label("Bylines:").select_option(label="Amara Okafor")
    page.get_by_label("Bylines:").select_option(label="Lena Park")
    page.evaluate(PASTE, ", ".join(TAGS))
    expect(page.locator(".tag-list__chip")).to_have_count(30)
    # Lena first: focus her "earlier" button and press it from the keyboard.
    page.get_by_role("button", name="Move Lena Park earlier").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".byline-chooser__name").first).to_have_text("Lena Park")
    expect(page.locator("#desk-words")).to_contain_text("5 words")
    check_page(page, f"add-{viewport['width']}")
    page.keyboard.press("Control+s")
    expect(messages(page)).to_contain_text("was added successfully")

    article = Article.objects.get(slug="heat-pumps-win-the-winter")
    assert [b.author for b in article.bylines.all()] == [
        colleague,
        Author.objects.get(slug="amara-okafor"),
    ]
    assert [t.name for t in article.ordered_tags][-1] == "Energy, grid"
    assert len(article.ordered_tags) == 30

    page.get_by_label("Headline:").fill("Heat pumps win the coldest winter")
    expect(page.locator("#desk-autosave")).to_contain_text("Autosaved at", timeout=10_000)
    context = page.context
    page.close()
    article.refresh_from_db()
    assert article.headline == "Heat pumps win the winter" and article.version == 1

    again = context.new_page()
    watch.attach(again)
    again.goto(change_url(article))
    expect(again.get_by_text("Restore unsaved changes?")).to_be_visible()
    again.get_by_role("link", name="Restore unsaved changes").click()
    expect(again.get_by_label("Headline:")).to_have_value("Heat pumps win the coldest winter")
    check_page(again, f"restore-{viewport['width']}")
    again.get_by_role("button", name="Save and continue editing").click()
    expect(messages(again)).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.headline == "Heat pumps win the coldest winter"
    assert article.status == Article.Status.DRAFT
    watch.assert_clean()


def test_seed_article_form_is_compact_and_clean_at_1280(seeded, page, watch):
    log_in(page, UserFactory(username="editor1", role="Editor"))
    article = Article.objects.get(slug=SEED_SLUG)
    assert len(article.ordered_tags) == 30
    page.goto(change_url(article))
    expect(page.locator(".tag-list__chip")).to_have_count(30)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2500, height
    check_page(page, "seed-1280")
    page.goto("/admin/articles/article/dashboard/")
    check_page(page, "dashboard-1280")
    watch.assert_clean()


def test_two_editors_conflict_and_both_resolve_on_a_phone(seeded, new_page, watch):
    writer = UserFactory(username="writer1", role="Writer")
    article = services.submit_for_review(article=draft_by(writer), by=writer)
    first, second = new_page(viewport=PHONE), new_page(viewport=PHONE)
    log_in(first, UserFactory(username="editor1", role="Editor"))
    log_in(second, UserFactory(username="editor2", role="Editor"))
    first.goto("/admin/articles/article/dashboard/")
    check_page(first, "dashboard-375")
    first.goto(change_url(article))
    second.goto(change_url(article))
    check_page(first, "change-375")

    first.get_by_label("Headline:").fill("Grid operators brace for the coldest winter in years")
    first.get_by_role("button", name="Save and continue editing").click()
    expect(messages(first)).to_contain_text("was changed successfully")

    second.get_by_label("Standfirst:").fill("Regulators have ordered extra reserves for January.")
    second.get_by_role("button", name="Save and continue editing").click()
    expect(second.locator(".errornote")).to_contain_text("Someone else saved")
    expect(second.locator(".conflict-row--headline del").first).to_be_visible()
    check_page(second, "conflict-375")
    second.get_by_role("button", name="Save with these choices").click()
    expect(messages(second)).to_contain_text("was changed successfully")

    # The first editor's form is now stale too: a second conflict, resolved by taking theirs.
    first.get_by_label("Standfirst:").fill("A different summary.")
    first.get_by_role("button", name="Save and continue editing").click()
    expect(first.locator(".errornote")).to_contain_text("Someone else saved")
    first.locator(".conflict-row--standfirst").get_by_label("theirs").check()
    first.get_by_role("button", name="Save with these choices").click()
    expect(messages(first)).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.headline == "Grid operators brace for the coldest winter in years"
    assert article.standfirst == "Regulators have ordered extra reserves for January."
    # The two refused saves answer 409 (the conflict page) by design; nothing else went wrong.
    assert all(": 409" in failed for failed in watch.failed_requests)
    assert [e for e in watch.console_errors if "status of 409" not in e] == []
    assert watch.dialogs == []


# Every visible toolbar button: its icon's rendered size, and whether its glyph (and the dropdown
# arrow's) is really drawn. A character no font has renders as the "missing glyph" box; that is
# found by drawing it on a canvas beside a code point that is certainly missing (U+0378).
TOOLBAR = """() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const pixels = (text, font) => {
        ctx.clearRect(0, 0, 64, 64);
        ctx.font = font;
        ctx.fillText(text, 4, 48);
        return ctx.getImageData(0, 0, 64, 64).data.join();
    };
    const drawn = (text, font) => {
        const image = pixels(text, font);
        return image !== pixels("", font) && image !== pixels("\u0378", font);
    };
    const buttons = [...document.querySelectorAll(".prose-menubar .prose-menubar__button")]
        .filter((button) => button.getClientRects().length);
    return {
        buttons: buttons.map((button) => {
            const style = getComputedStyle(button);
            const range = document.createRange();
            range.selectNodeContents(button);
            const box = range.getBoundingClientRect();
            const font = `${style.fontSize} ${style.fontFamily}`;
            const text = button.textContent.trim();
            return {
                name: button.title || text,
                iconFont: style.fontFamily.includes("Material Icons"),
                width: box.width,
                height: box.height,
                size: parseFloat(style.fontSize),
                drawn: [...text].length === 1 ? drawn(text, font) : box.width > 0,
            };
        }),
        arrows: [...document.querySelectorAll(".prose-menubar__selected")].map((element) => {
            const after = getComputedStyle(element, "::after");
            const text = after.content.replace(/^"|"$/g, "");
            return {
                triangle: text === "" && parseFloat(after.borderTopWidth) > 0,
                glyph: text !== "" && drawn(text, `${after.fontSize} ${after.fontFamily}`),
            };
        }),
        iconFont: document.fonts.check('24px "Material Icons"'),
    };
}"""


def toolbar_problems(page):
    """Visible toolbar buttons whose icon is empty, zero-size or not drawn; the names shown."""
    toolbar = page.evaluate(TOOLBAR)
    assert toolbar["iconFont"], "the Material Icons font did not load"
    problems = [
        button
        for button in toolbar["buttons"]
        if not button["drawn"]
        or button["height"] == 0
        # A ligature icon is one square glyph; its name spelt out in letters is far wider.
        or (button["iconFont"] and not 0 < button["width"] <= 1.5 * button["size"])
    ]
    problems += [arrow for arrow in toolbar["arrows"] if not (arrow["triangle"] or arrow["glyph"])]
    return problems, {button["name"] for button in toolbar["buttons"]}


def test_body_editor_icons_height_spellcheck_and_no_console_errors(live_server, page, watch):
    log_in(page, UserFactory(username="editor1", role="Editor"))
    page.goto("/admin/articles/article/add/")
    body = page.locator('.ProseMirror[contenteditable="true"]')
    expect(body).to_be_visible()
    assert body.get_attribute("spellcheck") == "true"
    line = body.evaluate("(e) => parseFloat(getComputedStyle(e).lineHeight)")
    assert body.bounding_box()["height"] >= 8 * line, "the body box is not several lines high"
    problems, shown = toolbar_problems(page)
    assert problems == []
    assert {"bold", "italic", "unordered list", "blockquote", "undo"} <= shown

    article = ArticleFactory(
        draft=True,
        body=(
            '<ol><li>First point</li></ol><p>See <a href="https://example.com/">the report</a>.</p>'
        ),
    )
    page.goto(change_url(article))
    body = page.locator('.ProseMirror[contenteditable="true"]')
    assert body.get_attribute("spellcheck") == "true"
    # The list-properties and remove-link buttons show only in an ordered list, in a link.
    body.get_by_text("First point").click()
    expect(page.locator('.prose-menubar [title="List properties"]')).to_be_visible()
    problems, in_list = toolbar_problems(page)
    assert problems == [] and "List properties" in in_list
    body.get_by_text("the report").click()
    expect(page.locator('.prose-menubar [title="remove link"]')).to_be_visible()
    problems, in_link = toolbar_problems(page)
    assert problems == [] and "remove link" in in_link
    watch.assert_clean()
