"""A reader's newsletter journey in a real browser: sign up under an article and on
/newsletters/, open the confirmation link from the captured mail, confirm with the page's
button, and leave through the one-click unsubscribe page. No console errors, no axe
violations on any of the pages."""

import re

from django.core import mail
from playwright.sync_api import expect

from articles import demo
from articles.models import Article
from articles.newsletters import emails
from articles.newsletters.models import Newsletter, Subscription, SubscriptionStatus
from tests.e2e.checks import axe_violations

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/newsletters/confirm/\S+/)")


def confirmation_path(address):
    [message] = [m for m in mail.outbox if address in m.to]
    return CONFIRM_LINK.search(message.body).group(1)


def no_violations(page):
    assert axe_violations(page) == [], page.url


def confirm_from_mail(page, address):
    page.goto(confirmation_path(address))
    expect(page.get_by_role("heading", name="Confirm your subscription")).to_be_visible()
    no_violations(page)
    # Opening the link (as a mail provider's link scanner would) confirmed nobody.
    assert not Subscription.objects.filter(
        subscriber__email=address, status=SubscriptionStatus.ACTIVE
    ).exists()
    page.get_by_role("button", name="Confirm my subscription").click()
    page.wait_for_load_state()
    no_violations(page)


def test_sign_up_confirm_and_one_click_unsubscribe(seeded, new_page, watch):
    mail.outbox.clear()
    morning = Newsletter.objects.get(slug="morning-briefing")
    breaking = Newsletter.objects.get(slug="breaking")

    # Under an article: the box joins the newsletters offered there.
    reader = new_page()
    reader.goto(Article.objects.get(slug=demo.SEED_ARTICLE["slug"]).get_absolute_url())
    box = reader.locator(".newsletter-box")
    box.get_by_label("Your email address").fill("first.reader@example.com")
    box.get_by_role("button", name="Sign up").click()
    expect(reader.get_by_role("heading", name="Check your inbox")).to_be_visible()
    no_violations(reader)
    confirm_from_mail(reader, "first.reader@example.com")
    mine = Subscription.objects.get(subscriber__email="first.reader@example.com")
    assert (mine.newsletter_id, mine.status) == (morning.pk, SubscriptionStatus.ACTIVE)

    # On /newsletters/: choose Breaking.
    other = new_page()
    other.goto("/newsletters/")
    expect(other.get_by_role("heading", name="Newsletters", exact=True)).to_be_visible()
    no_violations(other)
    other.get_by_role("checkbox", name=re.compile("Breaking")).check()
    other.get_by_label("Your email address").fill("second.reader@example.com")
    other.get_by_role("button", name="Sign up").click()
    expect(other.get_by_role("heading", name="Check your inbox")).to_be_visible()
    confirm_from_mail(other, "second.reader@example.com")
    theirs = Subscription.objects.get(subscriber__email="second.reader@example.com")
    assert (theirs.newsletter_id, theirs.status) == (breaking.pk, SubscriptionStatus.ACTIVE)

    # The one-click unsubscribe link of an issue, opened in a browser: a page that asks first.
    url = emails.unsubscribe_url(subscriber=mine.subscriber, newsletter_id=morning.pk)
    reader.goto(re.sub(r"^https?://[^/]+", "", url))
    expect(reader.get_by_role("heading", name="Unsubscribe from Morning briefing?")).to_be_visible()
    no_violations(reader)
    mine.refresh_from_db()
    assert mine.status == SubscriptionStatus.ACTIVE  # the GET changed nothing
    reader.get_by_role("button", name="Unsubscribe").click()
    expect(reader.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    no_violations(reader)
    mine.refresh_from_db()
    assert mine.status == SubscriptionStatus.UNSUBSCRIBED
    watch.assert_clean()
