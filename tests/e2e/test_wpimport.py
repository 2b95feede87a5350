"""The administrator's WordPress import in a real browser: upload an export, read the dry run,
confirm, read the report; the progress bar moves without a reload."""

from playwright.sync_api import expect

from articles.models import Article
from articles.wpimport.models import ImportRun
from articles.wpimport.services import _empty_report, report_lines
from tests.articles.wpimport.helpers import NEWSROOM
from tests.e2e.admin_pages import log_in, messages
from tests.factories import UserFactory


def test_administrator_imports_a_wordpress_export(page, watch, live_server, settings, tmp_path):
    settings.INCOMING_ROOT = str(tmp_path)
    log_in(page, UserFactory(username="chief", is_superuser=True))
    page.goto("/admin/wpimport/importrun/add/")
    page.locator("input[name=export]").set_input_files(str(NEWSROOM))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("#dry-report")).to_contain_text("Items seen: 13")
    assert Article.objects.count() == 0  # the dry run wrote nothing
    page.get_by_role("button", name="Import now").click()
    expect(messages(page)).to_contain_text("The import is queued")
    expect(page.locator("#import-status")).to_have_text("Done")
    expect(page.locator("#import-report")).to_contain_text("Items seen: 13 = created 7")
    assert Article.objects.count() == 6
    watch.assert_clean()


def test_progress_moves_without_a_reload(page, watch, live_server, settings, tmp_path):
    settings.INCOMING_ROOT = str(tmp_path)
    checked = _empty_report()
    checked["items"].update(seen=10, created=10)
    run = ImportRun.objects.create(
        file=str(NEWSROOM), status=ImportRun.Status.RUNNING, dry_run_report=checked, report={}
    )
    log_in(page, UserFactory(username="chief2", is_superuser=True))
    page.goto(f"/admin/wpimport/importrun/{run.pk}/run/")
    page.evaluate("window.notReloaded = true")
    bar = page.locator("#import-progress")
    expect(bar).to_have_attribute("value", "0")

    halfway = _empty_report()
    halfway["items"].update(seen=5, created=5)
    ImportRun.objects.filter(pk=run.pk).update(report=halfway)
    expect(bar).to_have_attribute("value", "5")
    finished = _empty_report()
    finished["items"].update(seen=10, created=10)
    ImportRun.objects.filter(pk=run.pk).update(report=finished, status=ImportRun.Status.DONE)
    expect(page.locator("#import-status")).to_have_text("Done")
    expect(page.locator("#import-report")).to_contain_text(report_lines(finished)[0])
    assert page.evaluate("window.notReloaded") is True
    watch.assert_clean()
