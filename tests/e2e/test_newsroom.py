"""Newsroom journeys in a real browser: writer, editor, two editors, share preview."""

import re
from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from articles import services
from articles.models import Article, AuditEntry, Author, Revision
from tests.e2e.admin_pages import choose, image_upload, log_in, messages
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

HEADLINE = "Chip makers race to build greener fabs"
NOTE = "Add a quote from the grid operator."


def draft_by(writer, headline="Grid operators brace for a record winter"):
    """A complete draft with `writer` on the byline, ready for review."""
    return ArticleFactory(
        draft=True,
        headline=headline,
        slug=re.sub(r"[^a-z]+", "-", headline.lower()).strip("-"),
        standfirst="Operators warn that a cold snap could strain supplies across the region.",
        authors=[AuthorFactory(name="Noor Haddad", user=writer)],
        tags=["energy"],
    )


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def workflow(page):
    return page.locator("#workflow")


def test_admin_login_page_loads_cleanly(page, watch):
    page.goto("/admin/login/")
    expect(page.get_by_label("Username")).to_be_visible()
    watch.assert_clean()


def test_writer_writes_previews_and_submits_an_article_but_cannot_publish(seeded, page):
    writer = UserFactory(username="writer1", role="Writer")
    Author.objects.filter(slug="amara-okafor").update(user=writer)
    log_in(page, writer)

    # The lead image goes into the media library first, with its alt text and focal point.
    page.goto("/admin/articles/image/add/")
    page.get_by_label("Image file:").set_input_files(image_upload((1200, 800), "fab.jpg"))
    page.get_by_label("Alt text:").fill("Solar panels on the roof of a chip plant")
    page.get_by_label("Focal point x:").fill("0.3")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(messages(page)).to_contain_text("was added successfully")
    page.locator("[data-focal-picker]").click(position={"x": 10, "y": 10})
    expect(page.get_by_label("Focal point x:")).not_to_have_value("0.3")

    page.goto("/admin/articles/article/add/")
    page.get_by_label("Headline:").press_sequentially(HEADLINE)  # keystrokes fill in the slug
    expect(page.get_by_label("Slug:")).to_have_value("chip-makers-race-to-build-greener-fabs")
    page.get_by_label("Standfirst:").fill(
        "Water and power use are now the industry's hardest problems, engineers say."
    )
    page.locator('.ProseMirror[contenteditable="true"]').click()
    page.keyboard.type("## What changed\nThree things:\n- Water recycling\nSolar on every roof\n\n")
    page.keyboard.type("Read the report")
    for _ in "the report":
        page.keyboard.press("Shift+ArrowLeft")
    page.get_by_title("insert link").click()
    page.get_by_role("dialog").get_by_label("URL").fill("https://example.org/report")
    page.get_by_role("dialog").get_by_role(
        "button", name=re.compile("update|save|ok", re.I)
    ).click()
    page.get_by_label("Section:").select_option(label="Technology")
    choose(page, page.locator(".field-lead_image .select2-selection"), "Solar panels")
    page.get_by_label("Bylines:").select_option(label="Amara Okafor")
    page.get_by_label("Tags:").fill("AI chips")
    page.get_by_label("Tags:").press("Enter")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(messages(page)).to_contain_text("was added successfully")

    article = Article.objects.get(slug="chip-makers-race-to-build-greener-fabs")
    assert article.status == Article.Status.DRAFT
    assert "<h2>What changed</h2>" in article.body
    assert "<li><p>Water recycling</p></li><li><p>Solar on every roof</p></li>" in article.body
    assert re.search(r'<a href="https://example.org/report"[^>]*>the report</a>', article.body)
    assert [byline.author.slug for byline in article.bylines.all()] == ["amara-okafor"]
    assert [tag.name for tag in article.ordered_tags] == ["AI chips"]
    assert article.lead_image.alt_text.startswith("Solar panels")
    assert article.lead_image.has_renditions

    with page.expect_popup() as popup:
        page.get_by_role("button", name="Preview (unsaved changes)").click()
    preview = popup.value
    expect(preview.get_by_role("heading", level=1)).to_have_text(HEADLINE)
    expect(preview.get_by_role("status")).to_contain_text("Not published")
    body = preview.locator(".article__body")
    expect(body.get_by_role("heading", name="What changed")).to_be_visible()
    expect(body.get_by_role("listitem")).to_have_count(2)
    expect(body.get_by_role("link", name="the report")).to_have_attribute(
        "href", "https://example.org/report"
    )
    expect(
        preview.get_by_role("img", name="Solar panels on the roof of a chip plant")
    ).to_be_visible()
    preview.close()

    page.get_by_role("button", name="Submit for review").click()
    expect(workflow(page)).to_contain_text("status: In review")
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)
    expect(page.get_by_role("button", name="Schedule")).to_have_count(0)

    # A forged "Publish now" from the writer's own session, with a valid CSRF token.
    before = (
        Article.objects.filter(pk=article.pk).values().get(),
        Revision.objects.count(),
        AuditEntry.objects.count(),
    )
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"/admin/articles/article/{article.pk}/transition/publish/",
        form={"csrfmiddlewaretoken": csrf, "transition": "publish"},
        headers={"Referer": page.url},
        max_redirects=0,
    )
    assert forged.status == 403
    after = (
        Article.objects.filter(pk=article.pk).values().get(),
        Revision.objects.count(),
        AuditEntry.objects.count(),
    )
    assert after == before
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_editor_sends_back_schedules_and_later_unpublishes_an_article(seeded, new_page):
    writer = UserFactory(username="writer1", role="Writer")
    editor = UserFactory(username="editor1", role="Editor")
    article = services.submit_for_review(article=draft_by(writer), by=writer)
    desk, writer_page, reader = new_page(), new_page(), new_page()

    log_in(desk, editor)
    desk.goto("/admin/articles/article/dashboard/")
    desk.locator("#in-review").get_by_role("link", name=article.headline).click()
    desk.get_by_label("Note for the writer").fill(NOTE)
    desk.get_by_role("button", name="Send back").click()
    expect(workflow(desk)).to_contain_text("status: Draft")

    log_in(writer_page, writer)
    writer_page.goto(change_url(article))
    expect(writer_page.locator(".errornote", has_text="Changes requested")).to_contain_text(NOTE)
    writer_page.get_by_role("button", name="Submit for review").click()
    expect(workflow(writer_page)).to_contain_text("status: In review")

    two_minutes_ahead = timezone.localtime() + timedelta(minutes=2)
    desk.reload()
    # The field names the publication's time zone before anything is typed.
    publish_at_field = desk.get_by_label(re.compile(r"^Publish at \(UTC\):$"))
    publish_at_field.fill(two_minutes_ahead.strftime("%Y-%m-%dT%H:%M"))
    desk.get_by_role("button", name="Schedule").click()
    expect(workflow(desk)).to_contain_text("status: Scheduled")
    expect(messages(desk)).to_contain_text(f"Scheduled for {two_minutes_ahead:%-d %b, %H:%M} UTC.")
    article.refresh_from_db()
    publish_at = article.published_at
    assert timezone.now() < publish_at <= two_minutes_ahead
    url = article.get_absolute_url()
    assert reader.goto(url).status == 404
    reader.goto("/")
    expect(reader.get_by_role("link", name=article.headline)).to_have_count(0)

    # The clock (the live server's too: same process) moves past the publish time.
    with time_machine.travel(publish_at + timedelta(seconds=1), tick=True):
        reader.goto("/")
        top_story = reader.get_by_role("region", name="Top story")
        expect(top_story.get_by_role("link", name=article.headline)).to_be_visible()
        assert reader.goto(url).status == 200

        call_command("run_scheduler", "--once", stdout=StringIO())  # cron's next pass
        desk.reload()
        expect(workflow(desk)).to_contain_text("status: Published")
        desk.get_by_role("button", name="Unpublish").click()
        expect(workflow(desk)).to_contain_text("status: Unpublished")
        assert reader.goto(url).status == 404
        reader.goto("/")
        expect(reader.get_by_role("link", name=article.headline)).to_have_count(0)


def test_two_editors_save_the_same_article_and_no_text_is_lost(seeded, new_page):
    writer = UserFactory(username="writer1", role="Writer")
    article = services.submit_for_review(article=draft_by(writer), by=writer)
    first, second = new_page(), new_page()
    log_in(first, UserFactory(username="editor1", role="Editor"))
    log_in(second, UserFactory(username="editor2", role="Editor"))
    first.goto(change_url(article))
    second.goto(change_url(article))

    headline = "Grid operators brace for the coldest winter in years"
    standfirst = "Regulators have ordered extra reserves for January."
    first.get_by_label("Headline:").fill(headline)
    first.get_by_role("button", name="Save and continue editing").click()
    expect(messages(first)).to_contain_text("was changed successfully")

    second.get_by_label("Standfirst:").fill(standfirst)
    second.get_by_role("button", name="Save and continue editing").click()
    expect(second.locator(".errornote")).to_contain_text("Someone else saved")
    expect(second.locator("textarea[name=_yours_standfirst]")).to_have_value(standfirst)
    article.refresh_from_db()
    assert article.headline == headline
    assert article.standfirst != standfirst  # the refused save changed nothing

    second.get_by_role("button", name="Save with these choices").click()
    expect(messages(second)).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert (article.headline, article.standfirst) == (headline, standfirst)


def test_share_preview_link_works_for_anyone_until_it_is_revoked(seeded, new_page):
    writer = UserFactory(username="writer1", role="Writer")
    article = draft_by(writer)
    page, anonymous = new_page(), new_page()
    log_in(page, writer)
    page.goto(change_url(article))
    page.get_by_role("button", name="Create a share preview link").click()
    link = messages(page).get_by_role("link").get_attribute("href")

    assert anonymous.goto(link).status == 200
    expect(anonymous.get_by_role("heading", level=1)).to_have_text(article.headline)
    expect(anonymous.get_by_role("status")).to_contain_text("Not published")

    page.locator(".preview-tokens").get_by_role("button", name="Revoke").click()
    expect(page.locator(".preview-tokens")).to_have_count(0)
    assert anonymous.goto(link).status == 404
    assert "sessionid" not in {cookie["name"] for cookie in anonymous.context.cookies()}
