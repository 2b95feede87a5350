"""A reader's journey through the demo content, in a real browser."""

import re

from playwright.sync_api import expect

from articles import demo
from articles.models import Article, Author

SEED = demo.SEED_ARTICLE
# The seed's order on the article page, after the body (the text as written in the HTML).
SEED_ORDER = [
    SEED["paragraphs"][-1],
    "Advertisement",
    "Fake Ad Placeholder (Ad slot: YYYYYYYYYY)",
    "Tags",
    *SEED["tags"],
    "Advertisement",
    "Fake Ad Placeholder (Ad slot: ZZZZZZZZZZ)",
]


def headlines(page):
    return page.locator("main article h2, main article h3").all_text_contents()


def assert_in_order(text, fragments):
    position = 0
    for fragment in fragments:
        found = text.find(fragment, position)
        assert found != -1, f"{fragment[:60]!r} missing or out of order"
        position = found + len(fragment)


def test_reader_goes_from_home_to_the_seed_article_a_tag_and_an_author(seeded, page, watch):
    seed_url = Article.objects.get(slug=SEED["slug"]).get_absolute_url()
    author = Author.objects.get(slug=SEED["author"])
    tag = "artificial intelligence"

    page.goto("/")
    page.get_by_role("region", name="Top story").get_by_role("link", name=SEED["headline"]).click()
    expect(page).to_have_url(re.compile(re.escape(seed_url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED["headline"])
    expect(page.get_by_role("img", name=SEED["image_alt"])).to_be_visible()

    slots = page.locator("[data-ad-slot]")
    expect(slots).to_have_count(2)
    names = ["Advertisement: After article body", "Advertisement: Article bottom"]
    for slot, code, name in zip(slots.all(), ["YYYYYYYYYY", "ZZZZZZZZZZ"], names, strict=True):
        expect(slot).to_be_visible()
        # Two complementary landmarks never share a name (axe: landmark-unique).
        expect(slot).to_have_accessible_name(name)
        expect(slot.locator(".ad-slot__label")).to_have_text("Advertisement")
        expect(slot.get_by_text(f"Fake Ad Placeholder (Ad slot: {code})")).to_be_visible()
    assert_in_order(page.locator("article.article").text_content(), SEED_ORDER)

    page.get_by_role("region", name="Tags").get_by_role("link", name=tag, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tag)
    listed = page.get_by_role("link", name=SEED["headline"])
    expect(listed).to_be_visible()

    listed.click()
    expect(page).to_have_url(re.compile(re.escape(seed_url) + "$"))
    page.locator(".byline").get_by_role("link", name=author.name).click()
    expect(page).to_have_url(re.compile(re.escape(author.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(author.name)
    expect(page.get_by_role("link", name=SEED["headline"])).to_be_visible()
    watch.assert_clean()


def test_reader_pages_through_the_front_page_forward_and_back(seeded, page, watch):
    pages = -(-Article.objects.published().count() // 20)
    assert pages >= 3, "the demo content should fill at least three front pages"
    pagination = page.get_by_role("navigation", name="Pages")

    page.goto("/")
    seen = [headlines(page)]
    for number in range(2, pages + 1):
        pagination.get_by_role("link", name="Older").click()
        expect(page).to_have_url(re.compile(rf"\?page={number}$"))
        expect(pagination).to_contain_text(f"Page {number}")  # no COUNT: no "of N"
        seen.append(headlines(page))
    expect(pagination.get_by_role("link", name="Older")).to_have_count(0)

    everything = [headline for listing in seen for headline in listing]
    assert len(everything) == len(set(everything)) == Article.objects.published().count()
    assert everything[0] == SEED["headline"]

    for number in range(pages - 1, 0, -1):
        pagination.get_by_role("link", name="Newer").click()
        expect(pagination).to_contain_text(f"Page {number}")  # no COUNT: no "of N"
        assert headlines(page) == seen[number - 1]
    expect(pagination.get_by_role("link", name="Newer")).to_have_count(0)

    page.go_back()
    expect(pagination).to_contain_text("Page 2")
    assert headlines(page) == seen[1]
    watch.assert_clean()
