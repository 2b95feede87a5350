"""Breaking alerts and the web-push opt-in in Chromium: the banner arrives from the shared
endpoint without moving anything (CLS 0) and stays dismissed; the push prompt is not there on
the first page, shows on the second, registers the service worker at the root and posts the
subscription, which then receives a real, decrypted notification from our sender."""

import json

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from articles import demo
from articles.alerts.management.commands.seed_alerts import DEMO_TEXT
from articles.models import Article
from articles.push import services as push
from articles.push.models import PushSend, PushSubscription
from tests.articles.push.keys import PRIVATE, PUBLIC
from tests.articles.push.pushservice import PushService
from tests.e2e.checks import axe_violations, layout_shifts, serious, settle
from tests.factories import UserFactory

# Headless Chromium has no vendor push service to register with, so `pushManager.subscribe`
# is the one thing replaced in the page: it hands back a subscription whose endpoint and keys
# belong to the loopback push service (tests/articles/push/pushservice.py). Everything else
# is the browser's own: permission, service-worker registration, the fetch to our endpoint.
STUB_SUBSCRIBE = """
window.__subscribeCalls = [];
PushManager.prototype.subscribe = function (options) {
  const fake = %s;
  window.__subscribeCalls.push({
    userVisibleOnly: options.userVisibleOnly,
    key: btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""),
  });
  return Promise.resolve({ endpoint: fake.endpoint, toJSON: () => fake });
};
"""
PUSH_SETTINGS = {
    "NEWSROOM_VAPID_PUBLIC_KEY": PUBLIC,
    "NEWSROOM_VAPID_PRIVATE_KEY": PRIVATE,
    "NEWSROOM_VAPID_SUBJECT": "mailto:desk@example.com",
    "NEWSROOM_PUSH_ALLOW_LOOPBACK_HTTP": True,
}


def test_the_breaking_banner_shows_without_layout_shift_and_stays_dismissed(
    seeded, new_page, watch
):
    page = new_page()
    seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    page.goto(seed.get_absolute_url())
    banner = page.locator(".site-alert__bar")
    expect(banner).to_contain_text(DEMO_TEXT)
    settle(page)
    assert layout_shifts(page) == []
    assert serious(axe_violations(page)) == []
    page.get_by_role("button", name="Dismiss this alert").click()
    expect(banner).to_have_count(0)
    page.goto("/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    expect(page.locator(".site-alert__bar")).to_have_count(0)
    assert page.context.cookies() == []
    watch.assert_clean()


@pytest.mark.django_db(transaction=True)
def test_the_push_prompt_waits_then_subscribes_through_the_service_worker(
    seeded, new_page, watch, live_server
):
    service = PushService(PUBLIC)
    try:
        reader = service.client()
        fake = {"endpoint": reader.endpoint,
                "keys": {"p256dh": reader.p256dh, "auth": reader.auth_b64}}  # fmt: skip
        with override_settings(**PUSH_SETTINGS):
            page = new_page(permissions=["notifications"])
            page.add_init_script(STUB_SUBSCRIBE % json.dumps(fake))
            page.goto("/")
            page.wait_for_load_state("load")
            page.wait_for_timeout(500)
            expect(page.locator(".push-prompt")).to_have_count(0)  # never on the first page
            seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
            page.goto(seed.get_absolute_url())
            prompt = page.locator(".push-prompt")
            expect(prompt).to_be_visible()
            section = seed.section.slug
            page.get_by_label(f"News from {seed.section.name}").check()
            with page.expect_response(lambda r: r.url.endswith("/push/subscribe")) as answer:
                page.get_by_role("button", name="Turn on").click()
            assert answer.value.status == 201
            expect(prompt).to_contain_text("you will get alerts")
            calls = page.evaluate("window.__subscribeCalls")
            assert calls == [{"userVisibleOnly": True, "key": PUBLIC}]
            worker = page.evaluate(
                "navigator.serviceWorker.getRegistration('/')"
                ".then((r) => r && r.active && [r.scope, r.active.scriptURL])"
            )
            assert worker == [f"{live_server.url}/", f"{live_server.url}/sw.js"]
            sub = PushSubscription.objects.get()
            assert sub.endpoint == reader.endpoint
            topics = set(sub.topics.values_list("topic", flat=True))
            assert topics == {"breaking", f"section:{section}"}
            page.goto("/")  # once subscribed, never asked again
            page.wait_for_timeout(500)
            expect(page.locator(".push-prompt")).to_have_count(0)
            # The editor's send reaches this subscription, decrypted by the push service.
            editor = UserFactory(username="e2e-push-editor", role="Editor")
            push.send_notification(topic=f"section:{section}", title="Breaking",
                                   body="Bridge reopens", url="/", by=editor)  # fmt: skip
            send = PushSend.objects.get()
            assert (send.delivered, send.failed) == (1, 0)
            assert service.received[0].payload["body"] == "Bridge reopens"
        watch.assert_clean()
    finally:
        service.stop()
