"""The content API's browsable docs (Swagger UI, django-ninja's own assets from static) render
in Chromium under the site's Content-Security-Policy: no violation, nothing from a CDN."""

from playwright.sync_api import expect


def test_swagger_ui_renders_every_operation_under_the_csp(seeded, page, watch):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "http://localhost", "data:"))
            else None
        ),
    )
    response = page.goto("/api/v1/docs")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Newsroom content API")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 15
    corrections = "/api/v1/articles/{article_id}/corrections"
    expect(page.locator(".opblock-summary-path", has_text=corrections)).to_have_count(1)
    # Opening an operation shows its parameters and responses (the UI's scripts run).
    page.locator(".opblock-summary", has_text="List articles").first.click()
    expect(page.locator(".opblock.is-open .responses-table").first).to_be_visible()
    assert outside == []
    watch.assert_clean()  # a CSP violation is a console error
