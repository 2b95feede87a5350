"""Publication settings: defaults, the admin form, the cached accessor and absolute URLs."""

from datetime import UTC, datetime
from unittest import mock
from urllib.parse import urljoin

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import reverse

from articles import publication as publication_module
from articles.publication import (
    absolute_url,
    clear_publication_cache,
    get_publication,
    save_publication,
)
from articles.publication.models import ERROR_BASE_URL, ERROR_LANGUAGE, ERROR_TIME_ZONE, Publication
from tests.factories import ArticleFactory, UserFactory, image_file

ADD_URL = reverse("admin:articles_publication_add")


def publication_form(**overrides):
    data = {
        "name": "The Daily Example",
        "description": "News from Example Town.",
        "base_url": "https://news.example.com",
        "language": "en-GB",
        "time_zone": "Europe/London",
        "social_image_alt": "",
        "feeds_full_content": "on",
    }
    data.update(overrides)
    return data


class PublicationDefaultsTests(TestCase):
    @override_settings(NEWSROOM_SITE_NAME="Default Times", NEWSROOM_BASE_URL="https://d.example")
    def test_defaults_come_from_settings_until_saved(self):
        clear_publication_cache()  # tests start with the settings' defaults cached
        publication = get_publication()
        assert publication.pk is None
        assert (publication.name, publication.base_url) == ("Default Times", "https://d.example")
        assert publication.language == "en"

    def test_reader_pages_use_the_publication_name_and_language(self):
        save_publication(publication=Publication(name="Example Gazette", language="de"))
        article = ArticleFactory(headline="Gazette story")
        for url in ["/", article.get_absolute_url(), "/no-such-page/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                html = response.content.decode()
                assert '<html lang="de">' in html
                title = html.split("<title>", 1)[1].split("</title>", 1)[0]
                assert "Example Gazette" in title
                assert 'class="site-title" href="/">Example Gazette</a>' in html
                assert "Newsroom" not in html

    def test_absolute_urls_come_from_the_base_url_never_the_host_header(self):
        save_publication(publication=Publication(base_url="https://news.example.com/"))
        assert absolute_url("/feed/") == "https://news.example.com/feed/"
        assert absolute_url("https://cdn.example/i.jpg") == "https://cdn.example/i.jpg"
        article = ArticleFactory()
        with self.settings(ALLOWED_HOSTS=["testserver", "mirror.example"]):
            response = self.client.get(
                article.get_absolute_url(), headers={"host": "mirror.example"}
            )
        html = response.content.decode()
        assert f'href="https://news.example.com{article.get_absolute_url()}"' in html
        assert "mirror.example" not in html

    def test_accessor_is_cached_and_refreshed_on_save(self):
        publication = save_publication(publication=Publication(name="First"))
        assert get_publication().name == "First"  # saving clears the cache at once
        clear_publication_cache()
        with self.assertNumQueries(1):
            get_publication()
            get_publication()
        publication.name = "Second"
        with self.captureOnCommitCallbacks(execute=True):
            save_publication(publication=publication)
        assert get_publication().name == "Second"

    def test_a_page_reads_the_settings_from_the_cache_once(self):
        save_publication(publication=Publication(name="Once"))
        article = ArticleFactory()
        self.client.get(article.get_absolute_url())  # warm the page's own caches
        with mock.patch.object(publication_module.cache, "get", wraps=cache.get) as reads:
            response = self.client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert "Once" in response.content.decode()
        keys = [call.args[0] for call in reads.call_args_list]
        assert keys.count(publication_module.CACHE_KEY) == 1

    def test_outside_a_request_every_call_reads_the_cache(self):
        publication = save_publication(publication=Publication(name="Before"))
        assert get_publication().name == "Before"
        publication.name = "After"
        publication.save()  # behind the accessor's back: only the cache can hide it
        clear_publication_cache()
        assert get_publication().name == "After"

    def test_a_site_path_under_a_base_url_with_a_path_joins_as_urljoin_does(self):
        save_publication(publication=Publication(base_url="https://example.org/news/"))
        for path in ("/feed/", "/a/../b/", "feed/", "//cdn.example/x.jpg", "/x?q=1#y"):
            with self.subTest(path=path):
                assert absolute_url(path) == urljoin("https://example.org/news/", path)

    def test_time_zone_moves_datelines_not_addresses(self):
        noon_utc = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        article = ArticleFactory(published_at=noon_utc)
        assert article.get_absolute_url().startswith("/2026/03/01/")
        with self.captureOnCommitCallbacks(execute=True):
            save_publication(publication=Publication(time_zone="Pacific/Kiritimati"))  # UTC+14
        response = self.client.get(article.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert 'datetime="2026-03-02T02:00:00+14:00">March 2, 2026</time>' in html
        assert article.get_absolute_url().startswith("/2026/03/01/")  # addresses never move


class PublicationAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = get_user_model().objects.create_superuser("root", "r@example.com", "pw")
        cls.editor = UserFactory(username="ed", role="Editor")

    def test_administrator_saves_the_settings_and_pages_follow(self):
        self.client.force_login(self.admin)
        form = publication_form(logo=image_file("logo.png", size=(600, 60), fmt="PNG"))
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(ADD_URL, form)
        assert response.status_code == 302, response.content.decode()[:2000]
        publication = Publication.objects.get()
        assert publication.base_url == "https://news.example.com"
        assert (publication.logo_width, publication.logo_height) == (600, 60)
        assert not publication.logo.name.endswith("logo.png")  # re-encoded under a new name
        assert get_publication().name == "The Daily Example"
        # One row only: no second "add", no delete.
        assert self.client.get(ADD_URL).status_code == 403
        delete = reverse("admin:articles_publication_delete", args=[publication.pk])
        assert self.client.post(delete, {"post": "yes"}).status_code == 403
        assert Publication.objects.count() == 1

    def test_bad_values_get_clear_errors_and_save_nothing(self):
        self.client.force_login(self.admin)
        cases = {
            "base_url": ("https://news.example.com/news/?x=1", ERROR_BASE_URL),
            "language": ("english please", ERROR_LANGUAGE),
            "time_zone": ("Mars/Olympus", ERROR_TIME_ZONE),
        }
        for field, (value, message) in cases.items():
            with self.subTest(field=field):
                response = self.client.post(ADD_URL, publication_form(**{field: value}))
                assert response.status_code == 200
                assert response.context["adminform"].form.errors[field] == [message]
        response = self.client.post(
            ADD_URL, publication_form(social_image=image_file("share.jpg", size=(1200, 630)))
        )
        assert response.context["adminform"].form.errors["social_image_alt"] == [
            "Describe the social image for readers who cannot see it."
        ]
        response = self.client.post(ADD_URL, publication_form(logo=image_file("logo.gif")))
        assert response.status_code == 200
        assert "Upload a JPEG, PNG or WebP image" in response.content.decode()
        assert not Publication.objects.exists()

    def test_editors_cannot_change_the_settings(self):
        self.client.force_login(self.editor)
        assert self.client.get(ADD_URL).status_code == 403
        assert self.client.post(ADD_URL, publication_form()).status_code == 403
        assert not Publication.objects.exists()
