"""What an issue carries besides its stories: the ads app's slot (the booked creative made
email-safe, or the placeholder when unsold, as on the web) and lead images as renditions
with absolute URLs, sizes and alt text."""

import re

from django.test import TestCase, override_settings

from ads.models import EmptyBehaviour
from articles.newsletters import emails, services
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    CreativeFactory,
    IssueFactory,
    PlacementFactory,
    library_image,
)


@override_settings(NEWSROOM_BASE_URL="https://news.example.com")
class IssueAdSlotTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.slot = AdSlotFactory(code="newsletter", name="Newsletter", width=300, height=250)
        cls.story = ArticleFactory()

    def html(self):
        issue = IssueFactory()
        services.set_issue_articles(issue=issue, article_ids=[self.story.pk])
        rendered = emails.render_issue(issue)
        return rendered.html, rendered.text

    def test_unsold_slot_shows_the_placeholder_text(self):
        html, text = self.html()
        self.assertIn("Fake Ad Placeholder (Ad slot: newsletter)", html)
        self.assertIn("Fake Ad Placeholder (Ad slot: newsletter)", text)
        self.assertIn('data-ad-slot="newsletter"', html)

    def test_booked_image_creative_is_a_linked_image_with_absolute_urls_and_sizes(self):
        placement = PlacementFactory(slot=self.slot, creative=CreativeFactory(with_image=True))
        html, _ = self.html()
        img = re.search(
            r'<img src="([^"]+)" alt="Advertiser banner" width="300" height="250"', html
        )
        self.assertIsNotNone(img, html)
        self.assertTrue(img.group(1).startswith("https://news.example.com/"))
        self.assertIn(f'href="https://news.example.com/ads/click/{placement.pk}/"', html)
        self.assertNotIn("Fake Ad Placeholder", html)
        self.assertNotIn("<script", html)

    def test_script_creatives_never_go_in_mail_the_placeholder_stands_in(self):
        PlacementFactory(slot=self.slot, creative=CreativeFactory(script=True))
        html, _ = self.html()
        self.assertNotIn("<script", html)
        self.assertNotIn("<iframe", html)
        self.assertIn("Fake Ad Placeholder (Ad slot: newsletter)", html)

    def test_expired_booking_is_not_shown(self):
        PlacementFactory(slot=self.slot, creative=CreativeFactory(with_image=True), expired=True)
        html, _ = self.html()
        self.assertNotIn("Advertiser banner", html)
        self.assertIn("Fake Ad Placeholder (Ad slot: newsletter)", html)

    def test_collapsing_or_inactive_slot_or_no_slot_setting_shows_nothing(self):
        self.slot.empty_behaviour = EmptyBehaviour.COLLAPSE
        self.slot.save()
        self.assertNotIn('data-ad-slot="newsletter"', self.html()[0])
        self.slot.empty_behaviour = EmptyBehaviour.PLACEHOLDER
        self.slot.is_active = False
        self.slot.save()
        self.assertNotIn('data-ad-slot="newsletter"', self.html()[0])
        self.slot.is_active = True
        self.slot.save()
        with override_settings(NEWSROOM_NEWSLETTER_AD_SLOT=""):
            self.assertNotIn("Fake Ad Placeholder", self.html()[0])


@override_settings(NEWSROOM_BASE_URL="https://news.example.com")
class IssueImageTests(TestCase):
    def test_lead_image_is_an_absolute_rendition_with_size_and_alt(self):
        image = library_image(alt_text="Flood water on Main St", size=(1600, 900), renditions=True)
        story = ArticleFactory(lead_image=image)
        plain = ArticleFactory()
        issue = IssueFactory()
        services.set_issue_articles(issue=issue, article_ids=[story.pk, plain.pk])
        html = emails.render_issue(issue).html
        [img] = re.findall(r'<img class="lead"[^>]*>', html)
        src = re.search(r'src="([^"]+)"', img).group(1)
        self.assertTrue(src.startswith("https://news.example.com/"), src)
        self.assertIn("/renditions/", src)  # a rendition, not the master
        self.assertTrue(src.endswith(".jpeg"), src)
        self.assertIn('width="552"', img)
        self.assertIn('height="310"', img)  # 16:9 at 552 px
        self.assertIn('alt="Flood water on Main St"', img)
        self.assertIn("style=", img)  # css-inline put the block styles on it
