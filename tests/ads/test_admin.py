import io
import random
import warnings
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import UnorderedObjectListWarning
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from PIL import Image

from ads.models import (
    AdSlot,
    AdsTxtRecord,
    AdsTxtVariable,
    Creative,
    Placement,
    PlacementStat,
    Sponsorship,
    SuppressionRule,
)
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    CreativeFactory,
    PlacementFactory,
    UserFactory,
    image_file,
)

ADS_MODELS = [
    AdSlot,
    Creative,
    Placement,
    Sponsorship,
    SuppressionRule,
    AdsTxtRecord,
    AdsTxtVariable,
]


def slot_form(**overrides):
    data = {
        "code": "LEADER",
        "name": "Leaderboard",
        "description": "",
        "position": "header",
        "label": "Advertisement",
        "is_active": "on",
        "width": "728",
        "height": "90",
        "extra_sizes": "970x250, 320x50",
        "sizes_mobile": "320x50",
        "sizes_tablet": "",
        "sizes_desktop": "",
        "empty_behaviour": "placeholder",
        "after_paragraph": "3",
        "min_paragraphs": "4",
        "gam_ad_unit_path": "",
        "adsense_slot_id": "",
    }
    data.update(overrides)
    return data


def creative_form(**overrides):
    data = {
        "name": "Spring sale",
        "kind": "image",
        "advertiser": "Acme",
        "is_active": "on",
        "width": "300",
        "height": "250",
        "alt_text": "Acme spring sale",
        "html": "",
        "click_url": "https://acme.example/sale",
        "adsense_client_id": "",
    }
    data.update(overrides)
    return data


def placement_form(slot, creative, **overrides):
    data = {
        "slot": slot.pk,
        "creative": creative.pk,
        "priority": "2",
        "weight": "10",
        "is_active": "on",
        "starts_at_0": "2026-12-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2026-12-31",
        "ends_at_1": "00:00:00",
    }
    data.update(overrides)
    return data


def noise_png(size):
    buffer = io.BytesIO()
    rng = random.Random(4)
    Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "noise.png"
    return buffer


class PermissionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.users = {
            "writer": UserFactory(username="wr", role="Writer"),
            "editor": UserFactory(username="ed", role="Editor"),
            "ad manager": UserFactory(username="am", role="Ad manager"),
            "superuser": get_user_model().objects.create_superuser("root", "r@x.example", "pw"),
        }
        cls.placement = PlacementFactory()
        Sponsorship.objects.create(article=ArticleFactory(), sponsor_name="Acme")
        SuppressionRule.objects.create(section=cls.placement.slot and ArticleFactory().section)
        AdsTxtRecord.objects.create(domain="google.com", account_id="1", relationship="DIRECT")
        AdsTxtVariable.objects.create(name="CONTACT", value="ads@x.example")

    def urls(self):
        for model in ADS_MODELS:
            name = f"admin:ads_{model._meta.model_name}"
            obj = model.objects.first()
            yield reverse(f"{name}_changelist")
            yield reverse(f"{name}_add")
            yield reverse(f"{name}_change", args=[obj.pk])
            yield reverse(f"{name}_delete", args=[obj.pk])
        yield reverse("admin:ads_placement_report", args=[self.placement.pk])
        yield reverse("admin:ads_placement_report_all")
        yield reverse("admin:ads_adslot_report", args=[self.placement.slot_id])
        yield reverse("admin:ads_adstxtrecord_import")

    def test_every_ads_admin_page_loads_for_ad_managers_and_admins_only(self):
        for role, user in self.users.items():
            self.client.force_login(user)
            allowed = role in ("ad manager", "superuser")
            for url in self.urls():
                with self.subTest(role=role, url=url):
                    assert self.client.get(url).status_code == (200 if allowed else 403)

    def test_writers_and_editors_cannot_change_or_delete_anything(self):
        before = {model: list(model.objects.values()) for model in ADS_MODELS}
        for role in ("writer", "editor"):
            self.client.force_login(self.users[role])
            slot = self.placement.slot
            posts = [
                (reverse("admin:ads_adslot_add"), slot_form(code="NEW")),
                (reverse("admin:ads_adslot_change", args=[slot.pk]), slot_form()),
                (reverse("admin:ads_placement_delete", args=[self.placement.pk]), {"post": "yes"}),
                (reverse("admin:ads_creative_add"), creative_form(kind="house", html="<p>x</p>")),
                (
                    reverse("admin:ads_adstxtrecord_import"),
                    {"file": "ads", "text": "google.com, 2, DIRECT"},
                ),
            ]
            for url, data in posts:
                with self.subTest(role=role, url=url):
                    assert self.client.post(url, data).status_code == 403
        assert {model: list(model.objects.values()) for model in ADS_MODELS} == before


class AutocompleteTests(TestCase):
    def test_ad_manager_can_look_up_sections_tags_and_articles_for_targeting(self):
        self.client.force_login(UserFactory(username="am", role="Ad manager"))
        article = ArticleFactory(headline="Findable story", tags=["Budget"])
        lookups = [
            ("placement", "sections", article.section.name),
            ("placement", "tags", "Budget"),
            ("placement", "slot", ""),
            ("sponsorship", "article", "Findable"),
            ("suppressionrule", "tag", "Budget"),
        ]
        for model, field, term in lookups:
            with self.subTest(field=field):
                query = f"?app_label=ads&model_name={model}&field_name={field}&term={term}"
                with warnings.catch_warnings():
                    # articles' TagAdmin annotates a Count, which drops Tag's default ordering
                    # and makes Django warn when paginating tags; not an ads matter.
                    warnings.simplefilter("ignore", UnorderedObjectListWarning)
                    response = self.client.get("/admin/autocomplete/" + query)
                assert response.status_code == 200
                if term:
                    assert response.json()["results"], response.content


class AdManagerFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.manager = UserFactory(username="am", role="Ad manager")
        cls.slot = AdSlotFactory(code="BOX")

    def setUp(self):
        self.client.force_login(self.manager)

    def test_ad_manager_creates_a_slot_with_sizes_and_mapping(self):
        data = slot_form(gam_ad_unit_path="/1234567/news/top_leader", adsense_slot_id="1234567890")
        response = self.client.post(reverse("admin:ads_adslot_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        slot = AdSlot.objects.get(code="LEADER")
        assert slot.sizes == [(728, 90), (970, 250), (320, 50)]
        assert slot.size_mapping[0] == ("mobile", 0, [(320, 50)])

    def test_wrong_sizes_get_clear_errors_and_save_nothing(self):
        cases = [
            ({"width": "500", "height": "90"}, "500x90 is not an IAB standard size"),
            ({"extra_sizes": "300 by 250"}, "Write sizes as width x height"),
            ({"sizes_mobile": "300x250"}, "300x250 is not one of the slot&#x27;s sizes"),
            ({"gam_ad_unit_path": "news/leader"}, "Write the ad unit path as /network code"),
            ({"gam_ad_unit_path": "/12ab/leader"}, "Write the ad unit path as /network code"),
            ({"adsense_slot_id": "12345"}, "An AdSense slot id is 10 digits."),
        ]
        for overrides, message in cases:
            with self.subTest(overrides=overrides):
                response = self.client.post(reverse("admin:ads_adslot_add"), slot_form(**overrides))
                self.assertContains(response, message)
        assert not AdSlot.objects.filter(code="LEADER").exists()

    def test_image_creative_is_reencoded_and_sized(self):
        data = creative_form(image=image_file("spring-sale.png", size=(600, 500), fmt="PNG"))
        response = self.client.post(reverse("admin:ads_creative_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        creative = Creative.objects.get()
        assert "spring-sale" not in creative.image.name
        assert creative.image.name.startswith("ads/")

    def test_bad_images_get_clear_errors_and_save_nothing(self):
        cases = [
            (image_file("ad.png", size=(300, 250), fmt="JPEG"), "do not match its extension"),
            (image_file("ad.png", size=(320, 250), fmt="PNG"), "The image is 320x250 pixels"),
            (noise_png((600, 500)), "ad images must be at most 500 KB"),
        ]
        for upload, message in cases:
            with self.subTest(message=message):
                data = creative_form(image=upload)
                response = self.client.post(reverse("admin:ads_creative_add"), data)
                self.assertContains(response, message)
        broken = io.BytesIO(b"\x89PNG\r\n\x1a\n not really")
        broken.name = "broken.png"
        response = self.client.post(reverse("admin:ads_creative_add"), creative_form(image=broken))
        self.assertContains(response, "Upload a valid image")
        assert not Creative.objects.exists()

    def test_changelists_link_to_the_report_and_the_ads_txt_tools(self):
        placements = self.client.get(reverse("admin:ads_placement_changelist"))
        self.assertContains(placements, 'href="/admin/ads/placement/report/"')
        records = self.client.get(reverse("admin:ads_adstxtrecord_changelist"))
        self.assertContains(records, 'href="/admin/ads/adstxtrecord/import/"')
        self.assertContains(records, 'href="/ads.txt"')

    def test_image_needs_alt_text(self):
        data = creative_form(alt_text="", image=image_file("ad.png", size=(300, 250), fmt="PNG"))
        response = self.client.post(reverse("admin:ads_creative_add"), data)
        self.assertContains(response, "Describe the image")
        assert not Creative.objects.exists()

    def test_click_url_must_be_http(self):
        data = creative_form(kind="house", html="<p>x</p>", click_url="javascript:alert(1)")
        response = self.client.post(reverse("admin:ads_creative_add"), data)
        self.assertContains(response, "http:// or https://")
        assert not Creative.objects.exists()

    def test_html_creative_is_sanitised_on_save(self):
        data = creative_form(
            kind="html", html='<p>Hi</p><script>x()</script><img src="x" onerror=y>'
        )
        response = self.client.post(reverse("admin:ads_creative_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert Creative.objects.get().html == '<p>Hi</p><img src="x">'

    def test_placement_end_before_start_is_refused(self):
        creative = CreativeFactory()
        data = placement_form(self.slot, creative, ends_at_0="2026-11-30")
        response = self.client.post(reverse("admin:ads_placement_add"), data)
        self.assertContains(response, "The end must be after the start.")
        assert not Placement.objects.exists()

    def test_placement_whose_creative_fits_no_slot_size_is_refused(self):
        creative = CreativeFactory(width=728, height=90)
        response = self.client.post(
            reverse("admin:ads_placement_add"), placement_form(self.slot, creative)
        )
        self.assertContains(response, "This creative is 728x90, which fits none of the slot")
        assert not Placement.objects.exists()

    def test_placement_is_saved_with_targeting(self):
        creative = CreativeFactory()
        data = placement_form(self.slot, creative, page_types=["article", "home"])
        response = self.client.post(reverse("admin:ads_placement_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert Placement.objects.get().page_types == ["article", "home"]

    def test_ads_txt_import_reports_every_bad_line_and_saves_nothing(self):
        text = "google.com, pub-1, DIRECT\nbad line\nFOO=bar\n"
        response = self.client.post(
            reverse("admin:ads_adstxtrecord_import"), {"file": "ads", "text": text}
        )
        self.assertContains(response, "Line 2: A record has 3 or 4 comma-separated fields")
        self.assertContains(response, "Line 3: Unknown variable")
        assert not AdsTxtRecord.objects.exists()

    def test_ads_txt_import_adds_records_and_variables(self):
        text = "google.com, pub-1, direct # Google\nCONTACT=ads@x.example\n"
        response = self.client.post(
            reverse("admin:ads_adstxtrecord_import"), {"file": "ads", "text": text}
        )
        assert response.status_code == 302
        assert self.client.get("/ads.txt").content.decode() == (
            "google.com, pub-1, DIRECT # Google\nCONTACT=ads@x.example\n"
        )


class ReportAndStatusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.manager = UserFactory(username="am", role="Ad manager")
        now = timezone.now()
        cls.live = AdSlotFactory(code="LIVE")
        cls.placement = PlacementFactory(
            slot=cls.live, ends_at=now + timedelta(days=2), creative=CreativeFactory(name="Soon")
        )
        PlacementFactory(slot=AdSlotFactory(code="LATER"), scheduled=True)
        PlacementFactory(slot=AdSlotFactory(code="OVER"), expired=True)
        AdSlotFactory(code="EMPTY")
        today = now.date()
        PlacementStat.objects.create(
            placement=cls.placement, date=today, offers=400, impressions=200, clicks=5
        )
        PlacementStat.objects.create(
            placement=cls.placement, date=today - timedelta(days=3), impressions=100, clicks=1
        )
        PlacementStat.objects.create(  # too old for the report
            placement=cls.placement, date=today - timedelta(days=30), impressions=999, clicks=99
        )

    def setUp(self):
        self.client.force_login(self.manager)

    def test_slots_are_listed_with_their_status(self):
        html = self.client.get(reverse("admin:ads_adslot_changelist")).content.decode()
        rows = {
            code: html.split(f">{code}</a>", 1)[1].split("</tr>", 1)[0]
            for code in ["LIVE", "LATER", "OVER", "EMPTY"]
        }
        assert "live" in rows["LIVE"]
        assert "scheduled" in rows["LATER"]
        assert "expired" in rows["OVER"]
        assert "placeholder only" in rows["EMPTY"]

    def test_placements_about_to_expire_are_highlighted(self):
        response = self.client.get(reverse("admin:ads_placement_changelist"))
        self.assertContains(response, '<strong class="ads-expiring">', count=1)
        self.assertContains(response, "(ends soon)", count=1)

    def test_report_shows_thirty_days_totals_ctr_and_an_svg_chart(self):
        url = reverse("admin:ads_placement_report", args=[self.placement.pk])
        response = self.client.get(url)
        self.assertContains(response, "400 offers, 300 viewable impressions, 6 clicks, CTR 2.00%")
        self.assertContains(response, '<svg class="ads-chart"')
        html = response.content.decode()
        assert html.count('class="ads-chart__bar"') == 30
        # Issue 23, item 17: axes with their labels, day labels, a legend, and the table.
        for text in (
            ">Viewable impressions</text>",
            ">Clicks</text>",
            ">Day (UTC)</text>",
            ">Viewable impressions (left axis)</text>",
            ">Clicks (right axis)</text>",
            'aria-labelledby="ads-chart-title ads-chart-desc"',
            "The same figures are in the table “By day” below.",
            '<table aria-labelledby="by-day">',
        ):
            assert text in html, text
        chart = etree.fromstring(
            html[html.index('<svg class="ads-chart"') : html.index("</svg></figure>") + 6]
        )
        ticks = [t.text for t in chart.iterfind(".//{*}text[@text-anchor='end']")]
        assert ticks == ["0", "50", "100", "150", "200"]  # today's 200 viewable at the top
        slot_report = self.client.get(reverse("admin:ads_adslot_report", args=[self.live.pk]))
        self.assertContains(slot_report, "CTR 2.00%")
        self.assertContains(slot_report, "<td>Soon</td><td>LIVE</td>")
