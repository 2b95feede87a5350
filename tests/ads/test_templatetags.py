from datetime import timedelta

from django.template import Context, Template
from django.test import RequestFactory, TestCase
from django.utils import timezone

from tests.factories import AdSlotFactory, ArticleFactory, CreativeFactory

TWO_SLOTS = Template('{% load ads_tags %}{% ad_slot "YYYYYYYYYY" %}{% ad_slot "ZZZZZZZZZZ" %}')


def render(template=TWO_SLOTS, **context):
    context.setdefault("request", RequestFactory().get("/"))
    return template.render(Context(context))


class AdSlotTagTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.leader = AdSlotFactory(code="YYYYYYYYYY", width=728, height=90)
        cls.box = AdSlotFactory(code="ZZZZZZZZZZ")

    def test_placeholder_when_nothing_is_live(self):
        html = render()
        assert html.count('<p class="ad-slot__label">Advertisement</p>') == 2
        assert "Fake Ad Placeholder (Ad slot: YYYYYYYYYY)" in html
        assert "Fake Ad Placeholder (Ad slot: ZZZZZZZZZZ)" in html
        assert html.index("YYYYYYYYYY)") < html.index("ZZZZZZZZZZ)")

    def test_slot_reserves_its_size(self):
        html = render()
        assert 'style="--ad-width: 728px; --ad-height: 90px"' in html
        assert 'id="ad-slot-YYYYYYYYYY"' in html

    def test_live_creative_window_is_end_exclusive(self):
        now = timezone.now()
        CreativeFactory(slot=self.leader, starts_at=now - timedelta(days=1), ends_at=now)
        assert 'data-creative="none"' in render()
        CreativeFactory(slot=self.leader, starts_at=now - timedelta(days=1))
        assert 'data-creative="placeholder"' in render()

    def test_inactive_slot_renders_nothing(self):
        self.leader.is_active = False
        self.leader.save()
        html = render()
        assert "YYYYYYYYYY" not in html
        assert "ZZZZZZZZZZ" in html

    def test_article_with_ads_disabled_renders_nothing(self):
        article = ArticleFactory(ads_disabled=True)
        assert render(article=article).strip() == ""

    def test_unknown_code_renders_nothing_and_warns(self):
        with self.assertLogs("ads.templatetags.ads_tags", level="WARNING") as logs:
            html = render(Template('{% load ads_tags %}{% ad_slot "NOPE" %}'))
        assert html.strip() == ""
        assert "NOPE" in logs.output[0]

    def test_all_slots_of_a_page_cost_one_query(self):
        request = RequestFactory().get("/")
        with self.assertNumQueries(1):
            render(request=request)
            render(Template('{% load ads_tags %}{% ad_slot "NOPE" %}'), request=request)
