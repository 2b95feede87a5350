"""Checks 15 and 18 in a real browser: hostile text stays text, ad code stays in its frame.

Check 18: a script creative that reaches for `parent.document` / `top.document` from inside
its sandboxed iframe is refused by the browser; the creative reports what it got through
postMessage, and the article page's policy is the site's own, not widened for the ad.
Check 15: XSS payloads in a headline, a lead image's alt text, a tag name and an author bio
render on every public page as text: no dialog, no uncaught error, no injected element.
"""

import json

from playwright.sync_api import expect

from ads.models import AdSlot, Placement
from articles import demo
from articles.models import Article
from tests.articles.test_services import ready_article
from tests.e2e.checks import scroll_through
from tests.factories import AuthorFactory, CreativeFactory, PlacementFactory, library_image

# The creative tries everything a hostile ad tag would, and tells the page what happened.
PROBE = """<script>
var got = {};
function attempt(name, fn) {
  try { got[name] = "read:" + String(fn()); } catch (e) { got[name] = "blocked:" + e.name; }
}
attempt("parent_cookie", function () { return parent.document.cookie; });
attempt("top_document", function () { return top.document.title; });
attempt("parent_mark", function () { parent.document.body.dataset.adWasHere = "1"; return 1; });
attempt("own_cookie", function () { return document.cookie; });
parent.postMessage({adProbe: got}, "*");
</script>"""

LISTEN = """window.__adProbe = null;
window.addEventListener("message", function (event) {
  if (event.data && event.data.adProbe) { window.__adProbe = event.data.adProbe; }
});"""


def test_script_creative_cannot_reach_the_article_page(seeded, page, watch, live_server):
    seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    Placement.objects.update(is_active=False)  # only the probe is served
    slot_code = "YYYYYYYYYY"
    slot = AdSlot.objects.get(code=slot_code)
    creative = CreativeFactory(script=True, html=PROBE, width=slot.width, height=slot.height)
    PlacementFactory(slot=slot, creative=creative)

    page.context.add_cookies([{"name": "reader_secret", "value": "s3cret", "url": live_server.url}])
    page.add_init_script(LISTEN)
    response = page.goto(seed.get_absolute_url())
    policy = response.headers["content-security-policy"]
    script_src = policy.split("script-src ", 1)[1].split(";", 1)[0]
    assert script_src == "'self'", policy  # no hash, host or nonce from the creative
    scroll_through(page)
    frame = page.locator(f"[data-ad-slot={slot_code}] iframe.ad-frame")
    expect(frame).to_have_attribute(
        "sandbox", "allow-scripts allow-popups allow-popups-to-escape-sandbox"
    )
    assert "/ads/creative/" in frame.get_attribute("src") and frame.get_attribute("srcdoc") is None
    page.wait_for_function("() => window.__adProbe !== null")
    probe = page.evaluate("() => window.__adProbe")
    assert probe["parent_cookie"].startswith("blocked:"), probe
    assert probe["top_document"].startswith("blocked:"), probe
    assert probe["parent_mark"].startswith("blocked:"), probe
    assert "s3cret" not in json.dumps(probe)
    assert page.evaluate("() => document.body.dataset.adWasHere") is None
    # The page itself still reads its own cookie: the refusal is the frame's sandbox.
    assert "reader_secret=s3cret" in page.evaluate("() => document.cookie")
    assert watch.dialogs == []
    page.wait_for_load_state("networkidle")  # the ad beacons land before the database goes


PAYLOADS = {
    "headline": 'Storm <img src=x onerror="alert(1)" id=xss-headline> "><script>alert(2)</script>',
    "alt": '"><img src=x onerror=alert(3) id=xss-alt><svg onload=alert(4)>',
    "tag": "<svg onload=alert(5) id=xss-tag>",
    "bio": "<script>alert(6)</script><iframe id=xss-bio src=javascript:alert(7)></iframe>",
}
INLINE_SCRIPTS = 'script:not([src]):not([type="application/ld+json"])'
INJECTED = (
    "#xss-headline, #xss-alt, #xss-tag, #xss-bio, [onerror], [onload], iframe[src^=javascript]"
)


def test_hostile_text_renders_as_text_on_every_public_page(seeded, page, watch):
    author = AuthorFactory(name="Hostile Bio", slug="hostile-bio", bio=PAYLOADS["bio"])
    image = library_image(alt_text=PAYLOADS["alt"], renditions=True)
    article = ready_article(
        headline=PAYLOADS["headline"],
        slug="hostile-headline",
        authors=[author],
        tags=[PAYLOADS["tag"]],
        lead_image=image,
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    tag = article.tags.get()
    pages = [
        "/",
        article.get_absolute_url(),
        tag.get_absolute_url(),
        author.get_absolute_url(),
        article.section.get_absolute_url(),
        "/search/?q=Storm",
    ]
    for url in pages:
        response = page.goto(url)
        assert response.status == 200, url
        scroll_through(page)
        assert page.locator(INJECTED).count() == 0, url
        assert page.locator(INLINE_SCRIPTS).count() == 0, url
    page.goto(article.get_absolute_url())
    expect(page.locator("h1")).to_contain_text("<img src=x onerror=")
    expect(page.get_by_role("img", name=PAYLOADS["alt"])).to_have_count(1)
    page.goto(author.get_absolute_url())
    expect(page.get_by_text("<script>alert(6)</script>", exact=False)).to_have_count(1)
    assert errors == [] and watch.dialogs == [], (errors, watch.dialogs)
    page.wait_for_load_state("networkidle")
