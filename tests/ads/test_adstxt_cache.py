"""ads.txt and app-ads.txt are cached like reader pages, purged exactly when their lines change."""

from django.test import TestCase, override_settings

from ads.models import AdsTxtFile, AdsTxtRecord, AdsTxtVariable
from ads.services import import_ads_txt
from articles.delivery.middleware import shared_cache_control
from tests.purge_recorder import PurgeRecorder

PAGE_CACHE_ON = override_settings(NEWSROOM_PAGE_CACHE=True)


def record(file=AdsTxtFile.ADS, domain="google.com", account="pub-1"):
    return AdsTxtRecord.objects.create(
        file=file, domain=domain, account_id=account, relationship="DIRECT"
    )


@PAGE_CACHE_ON
class AdsTxtCachedTests(TestCase):
    def test_both_files_carry_shared_cache_headers_and_their_own_key(self):
        for url, key in (("/ads.txt", "ads-txt"), ("/app-ads.txt", "app-ads-txt")):
            with self.subTest(url=url):
                response = self.client.get(url)
                assert response.status_code == 200
                assert response["Cache-Control"] == shared_cache_control()
                assert response["Surrogate-Key"].split() == sorted(["all", key])
                assert response["ETag"].startswith('"') and response["Last-Modified"]
                assert response["X-Page-Cache"] == "miss"

    def test_second_request_is_a_hit_and_a_matching_etag_answers_304(self):
        record()
        first = self.client.get("/ads.txt")
        with self.assertNumQueries(0):
            second = self.client.get("/ads.txt")
            not_modified = self.client.get("/ads.txt", HTTP_IF_NONE_MATCH=first["ETag"])
        assert second["X-Page-Cache"] == "hit" and second.content == first.content
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified["ETag"] == first["ETag"]

    def test_a_new_line_is_served_at_once_the_other_file_stays_cached(self):
        self.client.get("/ads.txt")
        self.client.get("/app-ads.txt")
        with self.captureOnCommitCallbacks(execute=True):
            record(domain="appnexus.com")
        ads = self.client.get("/ads.txt")
        assert ads["X-Page-Cache"] == "miss"
        assert b"appnexus.com, pub-1, DIRECT" in ads.content
        assert self.client.get("/app-ads.txt")["X-Page-Cache"] == "hit"


class AdsTxtPurgeKeysTests(TestCase):
    """Which keys each ads.txt change purges (after commit, at the configured proxy)."""

    def setUp(self):
        self.proxy = PurgeRecorder().__enter__()
        self.addCleanup(self.proxy.__exit__)
        settings_override = override_settings(NEWSROOM_PURGE_URLS=[self.proxy.url])
        settings_override.enable()
        self.addCleanup(settings_override.disable)

    def purged_by(self, change):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            change()
        keys = self.proxy.keys()
        if keys:
            assert callbacks, "purges must wait for the commit"
        return keys

    def test_adding_editing_and_deleting_a_record_purge_its_file_only(self):
        assert self.purged_by(record) == {"ads-txt"}
        line = AdsTxtRecord.objects.get()

        def edit():
            line.account_id = "pub-2"
            line.save()

        assert self.purged_by(edit) == {"ads-txt"}
        assert self.purged_by(line.delete) == {"ads-txt"}
        assert self.purged_by(lambda: record(file=AdsTxtFile.APP_ADS)) == {"app-ads-txt"}

    def test_moving_a_line_to_the_other_file_purges_both(self):
        line = record()

        def move():
            line.file = AdsTxtFile.APP_ADS
            line.save()

        assert self.purged_by(move) == {"ads-txt", "app-ads-txt"}

    def test_variables_and_imports_purge_their_file(self):
        variable = AdsTxtVariable(file=AdsTxtFile.APP_ADS, name="CONTACT", value="ads@x.example")
        assert self.purged_by(variable.save) == {"app-ads-txt"}
        text = "google.com, pub-9, RESELLER\nOWNERDOMAIN=news.example\n"
        assert self.purged_by(lambda: import_ads_txt(file=AdsTxtFile.ADS, text=text)) == {"ads-txt"}

    def test_unrelated_saves_purge_no_ads_txt_key(self):
        from tests.factories import SectionFactory

        keys = self.purged_by(SectionFactory)
        assert not keys & {"ads-txt", "app-ads-txt"}
