import json
from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from ads.models import AdsTxtRecord, AdsTxtVariable, Creative, PlacementStat
from tests.factories import CreativeFactory, PlacementFactory


class ClickTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.placement = PlacementFactory(
            creative=CreativeFactory(click_url="https://advertiser.example/offer?a=1")
        )

    def test_click_redirects_to_the_stored_address_and_counts(self):
        url = f"/ads/click/{self.placement.pk}/"
        for _ in range(2):
            response = self.client.get(url)
            assert response.status_code == 302
            assert response["Location"] == "https://advertiser.example/offer?a=1"
            assert "no-cache" in response["Cache-Control"]
        stat = PlacementStat.objects.get()
        assert (stat.placement, stat.date, stat.clicks) == (
            self.placement,
            timezone.now().date(),
            2,
        )

    def test_no_open_redirect_from_the_request(self):
        for query in ["?url=https://evil.example", "?next=//evil.example", "?to=javascript:x"]:
            with self.subTest(query=query):
                response = self.client.get(f"/ads/click/{self.placement.pk}/{query}")
                assert response["Location"] == "https://advertiser.example/offer?a=1"

    def test_unknown_placement_or_creative_without_link_is_404_and_counts_nothing(self):
        no_link = PlacementFactory(creative=CreativeFactory(click_url=""))
        assert self.client.get("/ads/click/999999/").status_code == 404
        assert self.client.get(f"/ads/click/{no_link.pk}/").status_code == 404
        assert not PlacementStat.objects.exists()

    def test_a_non_web_address_that_got_into_the_database_is_never_followed(self):
        Creative.objects.filter(pk=self.placement.creative_id).update(
            click_url="javascript:alert(1)"
        )
        assert self.client.get(f"/ads/click/{self.placement.pk}/").status_code == 404
        assert not PlacementStat.objects.exists()

    def test_click_url_must_be_http_or_https(self):
        creative = CreativeFactory.build(click_url="ftp://files.example/x")
        with self.assertRaisesMessage(Exception, "http:// or https://"):
            creative.full_clean()


class BeaconTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.a = PlacementFactory()
        cls.b = PlacementFactory()

    def post(self, body, content_type="text/plain;charset=UTF-8"):
        if not isinstance(body, str | bytes):
            body = json.dumps(body)
        return self.client.post("/ads/beacon/", body, content_type=content_type)

    def counts(self):
        return {
            (s.placement_id, s.offers, s.impressions, s.clicks) for s in PlacementStat.objects.all()
        }

    def test_beacons_aggregate_per_placement_per_day(self):
        assert self.post({"o": [self.a.pk, self.b.pk], "v": [self.a.pk]}).status_code == 204
        assert self.post({"o": [self.a.pk, self.a.pk], "v": []}).status_code == 204
        assert self.post({"v": [self.b.pk]}).status_code == 204
        assert self.counts() == {(self.a.pk, 2, 1, 0), (self.b.pk, 1, 1, 0)}
        assert PlacementStat.objects.count() == 2  # one row per placement per day

    def test_nothing_about_the_reader_is_stored(self):
        self.client.cookies["sessionid"] = "abc"
        self.post({"o": [self.a.pk]}, content_type="application/json")
        fields = {f.name for f in PlacementStat._meta.get_fields()}
        assert fields == {"id", "placement", "date", "offers", "impressions", "clicks"}

    def test_bad_input_is_refused_and_changes_nothing(self):
        bad = [
            "not json",
            "[1, 2]",
            "{}",
            {"o": [self.a.pk], "x": [1]},
            {"o": "1"},
            {"o": ["1"]},
            {"o": [1.5]},
            {"o": [True]},
            {"o": [-1]},
            {"o": [2**31]},
            {"o": list(range(1, 22))},
            b"\xff\xfe",
            "x" * 2000,
        ]
        for body in bad:
            with self.subTest(body=str(body)[:40]):
                assert self.post(body).status_code == 400
        assert not PlacementStat.objects.exists()

    def test_unknown_ids_are_ignored(self):
        assert self.post({"o": [999999, self.a.pk]}).status_code == 204
        assert self.counts() == {(self.a.pk, 1, 0, 0)}

    def test_only_post_and_no_csrf_token_needed(self):
        assert self.client.get("/ads/beacon/").status_code == 405
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        body = json.dumps({"o": [self.a.pk]})
        assert strict.post("/ads/beacon/", body, content_type="text/plain").status_code == 204

    @override_settings(ADS_BEACON_LIMIT_PER_MINUTE=3)
    def test_a_flood_is_capped_per_placement_per_minute(self):
        from django.core.cache import cache

        cache.clear()
        for _ in range(10):
            self.post({"o": [self.a.pk]})
        assert self.counts() == {(self.a.pk, 3, 0, 0)}
        cache.clear()


class AdsTxtViewTests(TestCase):
    def test_placeholder_record_when_there_are_no_records(self):
        response = self.client.get("/ads.txt")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == (
            "placeholder.example.com, placeholder, DIRECT, placeholder\n"
        )

    def test_records_then_variables_per_file(self):
        AdsTxtRecord.objects.create(
            domain="google.com",
            account_id="pub-1234567890123456",
            relationship="DIRECT",
            certification_id="f08c47fec0942fa0",
            position=1,
        )
        AdsTxtRecord.objects.create(
            domain="reseller.example", account_id="99", relationship="RESELLER", comment="via X"
        )
        AdsTxtVariable.objects.create(name="CONTACT", value="ads@newsroom.example")
        AdsTxtVariable.objects.create(name="OWNERDOMAIN", value="newsroom.example")
        AdsTxtRecord.objects.create(
            file="app-ads", domain="applovin.com", account_id="abc", relationship="DIRECT"
        )
        assert self.client.get("/ads.txt").content.decode() == (
            "reseller.example, 99, RESELLER # via X\n"
            "google.com, pub-1234567890123456, DIRECT, f08c47fec0942fa0\n"
            "CONTACT=ads@newsroom.example\n"
            "OWNERDOMAIN=newsroom.example\n"
        )
        app = self.client.get("/app-ads.txt")
        assert app["Content-Type"] == "text/plain; charset=utf-8"
        assert app.content.decode() == "applovin.com, abc, DIRECT\n"


class BeaconWindowTests(TestCase):
    def test_counts_go_to_the_utc_day(self):
        import time_machine

        placement = PlacementFactory()
        day = timezone.now().replace(hour=23, minute=59) + timedelta(days=3)
        with time_machine.travel(day, tick=False):
            self.client.post(
                "/ads/beacon/", json.dumps({"v": [placement.pk]}), content_type="text/plain"
            )
        assert PlacementStat.objects.get().date == day.date()
