from datetime import UTC, datetime, timedelta

import time_machine
from django.template import Context, Template
from django.test import RequestFactory, TestCase

from ads.models import AdSlot, Creative, EmptyBehaviour, Sponsorship, SuppressionRule
from articles.models import Article
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    CreativeFactory,
    PlacementFactory,
    SectionFactory,
)

TWO_SLOTS = Template('{% load ads_tags %}{% ad_slot "YYYYYYYYYY" %}{% ad_slot "ZZZZZZZZZZ" %}')
ONE_SLOT = Template('{% load ads_tags %}{% ad_slot "YYYYYYYYYY" %}')
SEED_PLACEHOLDER = (
    '<aside class="ad-slot" id="ad-slot-YYYYYYYYYY" data-ad-slot="YYYYYYYYYY" '
    'data-beacon="/ads/beacon/" aria-label="Advertisement: Slot YYYYYYYYYY" '
    'style="--ad-width: 728px; '
    "--ad-height: 90px; --ad-w-mobile: 728px; --ad-h-mobile: 90px; --ad-w-tablet: 728px; "
    '--ad-h-tablet: 90px; --ad-w-desktop: 728px; --ad-h-desktop: 90px">\n'
    '  <p class="ad-slot__label">Advertisement</p>\n'
    '  <div class="ad-slot__box" data-creative="none">\n'
    '    <p class="ad-placeholder">Fake Ad Placeholder (Ad slot: YYYYYYYYYY)</p>\n'
    "  </div>\n"
    "</aside>\n"
)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def render(template=TWO_SLOTS, **context):
    context.setdefault("request", RequestFactory().get("/"))
    return template.render(Context(context))


class PlaceholderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.leader = AdSlotFactory(code="YYYYYYYYYY", width=728, height=90)
        cls.box = AdSlotFactory(code="ZZZZZZZZZZ")

    def test_placeholder_output_is_exactly_the_seed_when_nothing_is_live(self):
        PlacementFactory(slot=self.leader, expired=True)
        PlacementFactory(slot=self.leader, is_active=False)
        assert render(ONE_SLOT) == SEED_PLACEHOLDER

    def test_both_seed_slots_show_label_then_placeholder_in_order(self):
        html = render()
        assert html.count('<p class="ad-slot__label">Advertisement</p>') == 2
        assert html.index("(Ad slot: YYYYYYYYYY)") < html.index("(Ad slot: ZZZZZZZZZZ)")

    def test_inactive_slot_renders_nothing(self):
        AdSlot.objects.filter(pk=self.leader.pk).update(is_active=False)
        html = render()
        assert "YYYYYYYYYY" not in html
        assert "ZZZZZZZZZZ" in html

    def test_article_with_ads_disabled_renders_nothing(self):
        PlacementFactory(slot=self.box)
        article = ArticleFactory(ads_disabled=True)
        with self.assertNumQueries(0):
            assert render(article=article).strip() == ""

    def test_unknown_code_renders_nothing_and_warns(self):
        with self.assertLogs("ads.templatetags.ads_tags", level="WARNING") as logs:
            html = render(Template('{% load ads_tags %}{% ad_slot "NOPE" %}'))
        assert html.strip() == ""
        assert "NOPE" in logs.output[0]

    def test_collapse_slot_with_nothing_live_renders_nothing(self):
        AdSlot.objects.filter(pk=self.leader.pk).update(empty_behaviour=EmptyBehaviour.COLLAPSE)
        assert "YYYYYYYYYY" not in render()


class ReservedSizeTests(TestCase):
    def test_every_breakpoint_gets_a_width_and_min_height_from_the_size_mapping(self):
        AdSlotFactory(
            code="YYYYYYYYYY",
            width=728,
            height=90,
            extra_sizes="970x250, 320x50, 300x250",
            sizes_mobile="320x50, 300x250",
        )
        html = render(ONE_SLOT)
        assert 'style="--ad-width: 728px; --ad-height: 90px; ' in html
        # tablets take the accepted sizes that fit 740px: 728x90, 320x50 and 300x250
        assert "--ad-w-mobile: 320px; --ad-h-mobile: 250px" in html
        assert "--ad-w-tablet: 728px; --ad-h-tablet: 250px" in html
        assert "--ad-w-desktop: 970px; --ad-h-desktop: 250px" in html

    def test_reserved_box_is_the_same_with_a_creative_as_with_the_placeholder(self):
        slot = AdSlotFactory(code="YYYYYYYYYY")
        empty = render(ONE_SLOT)
        PlacementFactory(slot=slot)
        full = render(ONE_SLOT)
        style = empty.split('style="', 1)[1].split('"', 1)[0]
        assert f'style="{style}"' in full
        assert 'width="300" height="250"' not in empty

    def test_image_creative_has_width_height_and_lazy_loading_in_lazy_slots(self):
        slot = AdSlotFactory(code="YYYYYYYYYY", is_lazy=True)
        PlacementFactory(slot=slot, creative=CreativeFactory(with_image=True))
        html = render(ONE_SLOT)
        assert 'width="300" height="250" loading="lazy"' in html
        assert "ad-slot--lazy" in html


class SelectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.slot = AdSlotFactory(code="YYYYYYYYYY")

    def live_ids(self, **context):
        """Placement ids rendered into the slot, the one shown without JavaScript first."""
        html = render(ONE_SLOT, **context)
        return [int(part.split('"', 1)[0]) for part in html.split('data-placement="')[1:]]

    def test_sponsorship_beats_standard_beats_house(self):
        house = PlacementFactory(slot=self.slot, house=True, weight=1000)
        standard = PlacementFactory(slot=self.slot, weight=1)
        assert self.live_ids()[0] == standard.pk
        sponsor = PlacementFactory(slot=self.slot, sponsorship=True, weight=1)
        ids = self.live_ids()
        assert ids[0] == sponsor.pk
        assert set(ids) == {sponsor.pk, standard.pk, house.pk}  # the browser re-checks windows

    def test_without_javascript_the_first_eligible_shows_and_the_others_are_inert(self):
        heavy = PlacementFactory(slot=self.slot, weight=30)
        light = PlacementFactory(slot=self.slot, weight=10)
        html = render(ONE_SLOT)
        assert self.live_ids() == [heavy.pk, light.pk]
        shown, rest = html.split('<template class="ad-candidate">', 1)
        assert f'data-placement="{heavy.pk}" data-weight="30" data-priority="2"' in shown
        assert f'data-placement="{light.pk}" data-weight="10"' in rest
        assert '<template class="ad-empty">' in rest  # when every window has closed

    def test_window_start_is_inclusive_and_end_exclusive(self):
        placement = PlacementFactory(slot=self.slot, starts_at=NOW, ends_at=NOW + timedelta(days=1))
        with time_machine.travel(NOW - timedelta(seconds=1), tick=False):
            html = render(ONE_SLOT)
            # Starting within the hour: rendered inert, for the browser to switch on on time.
            assert 'data-creative="none"' in html and "Fake Ad Placeholder" in html
            assert f'data-starts="{int(NOW.timestamp() * 1000)}"' in html
        with time_machine.travel(NOW, tick=False):
            html = render(ONE_SLOT)
            assert 'data-creative="house"' in html
            assert f'data-placement="{placement.pk}"' in html
        with time_machine.travel(NOW + timedelta(days=1) - timedelta(seconds=1), tick=False):
            assert 'data-creative="house"' in render(ONE_SLOT)
        with time_machine.travel(NOW + timedelta(days=1), tick=False):
            html = render(ONE_SLOT)
            assert 'data-creative="none"' in html
            assert "data-placement" not in html

    def test_far_future_placements_are_not_rendered(self):
        PlacementFactory(slot=self.slot, scheduled=True)
        assert self.live_ids() == []

    def test_targeting_by_section_tag_and_page_type(self):
        politics, sport = SectionFactory(), SectionFactory()
        article = ArticleFactory(section=politics, tags=["Budget"])
        by_section = PlacementFactory(slot=self.slot)
        by_section.sections.set([politics])
        other_section = PlacementFactory(slot=self.slot)
        other_section.sections.set([sport])
        by_tag = PlacementFactory(slot=self.slot)
        by_tag.tags.set([article.tags.get()])
        home_only = PlacementFactory(slot=self.slot, page_types=["home"])
        articles_only = PlacementFactory(slot=self.slot, page_types=["article"])
        assert set(self.live_ids(article=article)) == {
            by_section.pk,
            by_tag.pk,
            articles_only.pk,
        }
        assert set(self.live_ids()) == {home_only.pk}  # "/" is the front page

    def test_inactive_creative_is_not_eligible(self):
        PlacementFactory(slot=self.slot, creative=CreativeFactory(is_active=False))
        assert self.live_ids() == []

    def test_house_empty_behaviour_borrows_a_fitting_house_ad(self):
        AdSlot.objects.filter(pk=self.slot.pk).update(empty_behaviour=EmptyBehaviour.HOUSE)
        PlacementFactory(
            slot=AdSlotFactory(code="WIDE", width=728, height=90),
            house=True,
            creative=CreativeFactory(width=728, height=90),
        )
        assert "Fake Ad Placeholder (Ad slot: YYYYYYYYYY)" in render(ONE_SLOT)  # none fits
        house = PlacementFactory(slot=AdSlotFactory(code="OTHER"), house=True)
        assert self.live_ids() == [house.pk]


class ArticleControlTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.slot = AdSlotFactory(code="YYYYYYYYYY")
        cls.other = AdSlotFactory(code="ZZZZZZZZZZ")
        cls.article = ArticleFactory(tags=["Tragedy"])
        cls.sponsor_ad = PlacementFactory(
            slot=cls.slot, sponsorship=True, creative=CreativeFactory(advertiser="Acme Bank")
        )
        cls.rival = PlacementFactory(
            slot=cls.slot, sponsorship=True, creative=CreativeFactory(advertiser="Rival Bank")
        )
        cls.standard = PlacementFactory(slot=cls.other)

    def test_sponsored_article_shows_label_and_only_the_sponsors_ads(self):
        Sponsorship.objects.create(article=self.article, sponsor_name="ACME bank")
        template = Template(
            '{% load ads_tags %}{% ad_sponsor_label article %}{% ad_slot "YYYYYYYYYY" %}'
            '{% ad_slot "ZZZZZZZZZZ" %}'
        )
        html = render(template, article=self.article)
        assert '<p class="sponsor-label">Sponsored by <strong>ACME bank</strong></p>' in html
        assert f'data-placement="{self.sponsor_ad.pk}"' in html
        assert f'data-placement="{self.rival.pk}"' not in html
        assert "ZZZZZZZZZZ" not in html  # competing slot suppressed, not even a placeholder

    def test_sponsor_label_shows_even_when_the_article_has_no_ads(self):
        article = ArticleFactory(ads_disabled=True)
        Sponsorship.objects.create(article=article, sponsor_name="Acme Bank")
        template = Template(
            '{% load ads_tags %}{% ad_sponsor_label article %}{% ad_slot "YYYYYYYYYY" %}'
        )
        html = render(template, article=article)
        assert "Sponsored by <strong>Acme Bank</strong>" in html
        assert "Advertisement" not in html

    def test_unsponsored_article_has_no_label(self):
        template = Template("{% load ads_tags %}{% ad_sponsor_label article %}")
        assert render(template, article=self.article).strip() == ""

    def test_tag_suppression_rule_removes_every_slot(self):
        SuppressionRule.objects.create(tag=self.article.tags.get())
        assert render(article=self.article).strip() == ""
        assert "YYYYYYYYYY" in render(article=ArticleFactory())

    def test_section_suppression_rule_for_one_slot(self):
        SuppressionRule.objects.create(section=self.article.section, slot=self.other)
        html = render(article=self.article)
        assert "YYYYYYYYYY" in html and "ZZZZZZZZZZ" not in html


class CreativeMarkupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.slot = AdSlotFactory(
            code="YYYYYYYYYY",
            width=728,
            height=90,
            extra_sizes="320x50",
            gam_ad_unit_path="/1234/news/leader",
            adsense_slot_id="1234567890",
        )

    def place(self, **creative):
        creative.setdefault("width", 728)
        creative.setdefault("height", 90)
        return PlacementFactory(slot=self.slot, creative=CreativeFactory(**creative))

    def test_html_creative_is_sanitised_and_wrapped_in_the_click_link(self):
        placement = self.place(
            kind=Creative.Kind.HTML,
            html='<p onclick="x()">Hi <a href="https://evil.example">there</a></p>'
            "<script>alert(1)</script>",
        )
        html = render(ONE_SLOT)
        assert "<script" not in html and "onclick" not in html and "evil.example" not in html
        assert f'href="/ads/click/{placement.pk}/" rel="sponsored noopener"' in html
        assert "<p>Hi there</p>" in html

    def test_script_creative_only_inside_a_sandboxed_frame_from_its_own_url(self):
        placement = self.place(script=True)
        html = render(ONE_SLOT)
        assert (
            '<iframe class="ad-frame" title="Advertisement" sandbox="allow-scripts '
            'allow-popups allow-popups-to-escape-sandbox" '
            f'src="/ads/creative/{placement.pk}/"' in html
        )
        assert "allow-same-origin" not in html and "srcdoc" not in html
        assert "<script" not in html and "ads.example" not in html  # never inline in the page

    def test_gam_unit_carries_sizes_and_size_mapping_for_the_external_script(self):
        self.place(gam=True)
        html = render(ONE_SLOT)
        assert '<div class="ad-gam" id="gam-YYYYYYYYYY-' in html
        assert "&quot;path&quot;: &quot;/1234/news/leader&quot;" in html
        assert "&quot;sizes&quot;: [[728, 90], [320, 50]]" in html
        assert (
            "&quot;mapping&quot;: [[[1024, 0], [[728, 90], [320, 50]]], "
            "[[768, 0], [[728, 90], [320, 50]]], [[0, 0], [[320, 50]]]]"
        ) in html
        assert "<script" not in html

    def test_every_database_value_in_the_markup_is_escaped(self):
        """The slot markup is built in Python (ads.markup): labels, names and alt text that
        carry markup come out as text."""
        hostile = '"><script>x()</script>'
        AdSlot.objects.filter(pk=self.slot.pk).update(label="Ad" + hostile, name="Top" + hostile)
        self.place(with_image=True, alt_text="Banner" + hostile)
        html = render(ONE_SLOT)
        assert "<script" not in html
        assert 'aria-label="Ad&quot;&gt;&lt;script&gt;x()&lt;/script&gt;: Top&quot;' in html
        assert '<p class="ad-slot__label">Ad&quot;&gt;&lt;script&gt;' in html
        assert 'alt="Banner&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"' in html

    def test_adsense_unit_prints_client_and_slot_ids(self):
        self.place(adsense=True)
        html = render(ONE_SLOT)
        assert 'data-ad-client="ca-pub-1234567890123456" data-ad-slot="1234567890"' in html


class QueryBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        slots = [AdSlotFactory(code=code) for code in ("YYYYYYYYYY", "ZZZZZZZZZZ", "A", "B")]
        for slot in slots:
            for _ in range(3):
                PlacementFactory(slot=slot).sections.set([SectionFactory()])
        cls.article = ArticleFactory(tags=["one", "two"])
        Sponsorship.objects.create(article=ArticleFactory(), sponsor_name="Nobody")
        SuppressionRule.objects.create(section=SectionFactory())

    def test_all_slots_of_a_page_cost_one_query(self):
        article = Article.objects.for_detail().get(pk=self.article.pk)
        template = Template(
            "{% load ads_tags %}{% ad_sponsor_label article %}{% ad_article_body article %}"
            '{% ad_slot "YYYYYYYYYY" %}{% ad_slot "ZZZZZZZZZZ" %}{% ad_slot "A" %}'
            '{% ad_slot "B" %}'
        )
        request = RequestFactory().get("/")
        with self.assertNumQueries(1):
            render(template, request=request, article=article)
            render(template, request=request, article=article)
