"""The media library: uploads, renditions, focal crops, markup, reuse and deletion."""

import io
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from lxml import html as lxml_html
from PIL import Image as PILImage
from PIL import features

from articles.media import renditions
from articles.media import services as media
from articles.media import validation as images
from articles.media.models import Image
from articles.models import Article, Author
from articles.views import PAGE_SIZE
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    UserFactory,
    image_file,
    library_image,
)
from tests.html_checker import html_errors


def stored(path):
    with default_storage.open(path, "rb") as f:
        return f.read()


def opened(path):
    return PILImage.open(io.BytesIO(stored(path)))


class UploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")

    def add(self, upload, **data):
        self.client.force_login(self.editor)
        fields = {"alt_text": "A harbour at dawn", "caption": "", "credit": "", "focal_x": "0.5"}
        fields.update({"focal_y": "0.5", "upload": upload, **data})
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("admin:articles_image_add"), fields)

    def test_upload_is_reencoded_without_exif_and_gets_renditions(self):
        exif = PILImage.Exif()
        exif[0x010F] = "SecretCam"
        exif[0x8825] = {2: (48.0, 51.0, 0.0)}  # GPS latitude
        response = self.add(image_file("holiday.jpg", size=(1600, 1000), exif=exif.tobytes()))
        assert response.status_code == 302
        image = Image.objects.get()
        assert (image.alt_text, image.uploaded_by) == ("A harbour at dawn", self.editor)
        assert (image.width, image.height) == (1600, 1000)
        assert (image.original_width, image.original_height) == (1600, 1000)
        assert "holiday" not in image.file.name and image.file.name.endswith(".jpg")
        master = stored(image.file.name)
        assert b"SecretCam" not in master
        assert not PILImage.open(io.BytesIO(master)).getexif()
        expected_formats = (["avif"] if features.check("avif") else []) + ["webp", "jpeg"]
        ratios = image.renditions["ratios"]
        assert set(ratios) == {"original", "16:9", "1:1", "4:3"}
        for entry in ratios.values():
            assert sorted(entry["sources"]) == sorted(expected_formats)
            for fmt, sources in entry["sources"].items():
                for width, height, path in sources:
                    file = opened(path)
                    assert file.format == {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}[fmt]
                    assert file.size == (width, height)
                    assert b"SecretCam" not in stored(path)
        assert [w for w, _h, _p in ratios["original"]["sources"]["jpeg"]] == [
            320,
            640,
            960,
            1280,
            1600,
        ]
        assert (ratios["16:9"]["width"], ratios["16:9"]["height"]) == (1600, 900)
        assert (ratios["1:1"]["width"], ratios["1:1"]["height"]) == (1000, 1000)
        assert [w for w, _h, _p in ratios["1:1"]["sources"]["webp"]] == [320, 640, 960, 1000]

    def test_orientation_is_applied(self):
        exif = PILImage.Exif()
        exif[0x0112] = 6  # rotate 90° clockwise on display
        self.add(image_file("portrait.jpg", size=(400, 300), exif=exif.tobytes()))
        image = Image.objects.get()
        assert (image.width, image.height) == (300, 400)
        assert (image.original_width, image.original_height) == (300, 400)

    def test_alt_text_is_required_and_nothing_is_stored(self):
        response = self.add(image_file("x.jpg"), alt_text="")
        assert response.status_code == 200
        self.assertContains(response, "This field is required.")
        assert not Image.objects.exists()

    def test_bad_files_get_clear_errors_and_nothing_is_stored(self):
        for upload, message in [
            (SimpleUploadedFile("x.svg", b"<svg></svg>"), images.ERROR_EXTENSION),
            (SimpleUploadedFile("x.jpg", b"not an image"), images.ERROR_NOT_IMAGE),
            (image_file("x.jpg", fmt="PNG"), images.ERROR_MISMATCH.format(ext="jpg")),
        ]:
            response = self.add(upload)
            assert response.status_code == 200
            self.assertContains(response, escape(message))
        assert not Image.objects.exists()

    def test_add_without_a_file_is_refused(self):
        response = self.add("")
        self.assertContains(response, "Choose an image file to upload.")
        assert not Image.objects.exists()

    def test_pixel_cap_refuses_more_than_fifty_megapixels_from_the_header(self):
        # 7100 × 7100 = 50.4 MP; a PNG of one colour is tiny on disk.
        response = self.add(image_file("big.png", size=(7100, 7100), fmt="PNG"))
        self.assertContains(response, images.ERROR_TOO_MANY_PIXELS)
        assert not Image.objects.exists()

    def test_a_45_megapixel_camera_jpeg_is_accepted_and_reduced_on_decode(self):
        self.client.force_login(self.editor)
        data = {"alt_text": "Camera", "caption": "", "credit": "", "focal_x": "0.5"}
        data.update({"focal_y": "0.5", "upload": image_file("camera.jpg", size=(8256, 5504))})
        response = self.client.post(reverse("admin:articles_image_add"), data)
        assert response.status_code == 302
        image = Image.objects.get()
        assert (image.original_width, image.original_height) == (8256, 5504)
        assert max(image.width, image.height) == images.MASTER_MAX_EDGE

    def test_large_png_waits_for_the_worker_and_is_never_public_before(self):
        self.client.force_login(self.editor)
        data = {"alt_text": "Map", "caption": "", "credit": "", "focal_x": "0.5", "focal_y": "0.5"}
        data["upload"] = image_file("map.png", size=(6300, 6300), fmt="PNG")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(reverse("admin:articles_image_add"), data)
        assert response.status_code == 302
        image = Image.objects.get()
        # The request only read the header: no master yet, the upload waits outside MEDIA_ROOT.
        assert not image.file and image.incoming and not image.is_ready
        assert (image.original_width, image.original_height) == (6300, 6300)
        assert image.sources() is None
        assert len(callbacks) == 1
        with mock.patch.dict(renditions.RATIOS, {"original": None}, clear=True):
            callbacks[0]()  # the worker's turn (one crop is enough to show it)
        image.refresh_from_db()
        assert image.is_ready and not image.incoming
        assert (image.width, image.height) == (2048, 2048)
        assert image.has_renditions


class FocalPointTests(TestCase):
    def test_crop_box_keeps_the_focal_point_and_stays_inside(self):
        assert renditions.crop_box(1600, 1000, 1.0, 0.9, 0.5) == (600, 0, 1600, 1000)
        assert renditions.crop_box(1600, 1000, 1.0, 0.1, 0.5) == (0, 0, 1000, 1000)
        assert renditions.crop_box(1600, 1000, 1.0, 0.5, 0.5) == (300, 0, 1300, 1000)
        assert renditions.crop_box(1000, 1600, 16 / 9, 0.5, 0.0) == (0, 0, 1000, 562)
        assert renditions.crop_box(1000, 1600, 16 / 9, 0.5, 1.0) == (0, 1038, 1000, 1600)

    def test_square_crop_follows_the_focal_point(self):
        # Left half red, right half blue: a focal point on the right gives a blue square.
        source = PILImage.new("RGB", (800, 400), "red")
        source.paste(PILImage.new("RGB", (400, 400), "blue"), (400, 0))
        buffer = io.BytesIO()
        source.save(buffer, format="PNG")
        upload = SimpleUploadedFile("halves.png", buffer.getvalue())
        image = media.save_image(image=Image(alt_text="Halves", focal_x=0.95), upload=upload)
        media.process_image(image_id=image.pk)
        image.refresh_from_db()
        _w, _h, path = image.renditions["ratios"]["1:1"]["sources"]["jpeg"][0]
        r, g, b = opened(path).convert("RGB").getpixel((10, 10))
        assert b > 200 and r < 60

    def test_moving_the_focal_point_in_the_admin_remakes_the_renditions(self):
        editor = UserFactory(username="ed", role="Editor")
        image = library_image(size=(700, 350))
        media.process_image(image_id=image.pk)
        image.refresh_from_db()
        old = image.renditions["ratios"]["1:1"]["sources"]["jpeg"][0][2]
        self.client.force_login(editor)
        data = {"alt_text": image.alt_text, "caption": "", "credit": ""}
        data.update({"focal_x": "0.8", "focal_y": "0.5", "upload": ""})
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("admin:articles_image_change", args=[image.pk]), data
            )
        assert response.status_code == 302
        image.refresh_from_db()
        assert image.renditions["focal"] == [0.8, 0.5]
        assert image.renditions["ratios"]["1:1"]["sources"]["jpeg"][0][2] != old
        assert not default_storage.exists(old)

    def test_refocusing_a_wide_image_leaves_only_the_new_renditions_each_width_once(self):
        editor = UserFactory(username="ed", role="Editor")
        image = library_image(size=(2048, 1152))  # wider than the top step (1920)
        media.process_image(image_id=image.pk)
        image.refresh_from_db()
        before = _paths(image.renditions)
        self.client.force_login(editor)
        data = {"alt_text": image.alt_text, "caption": "", "credit": ""}
        data.update({"focal_x": "0.3", "focal_y": "0.5", "upload": ""})
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("admin:articles_image_change", args=[image.pk]), data)
        image.refresh_from_db()
        listed = _paths(image.renditions)
        assert len(listed) == len(set(listed))
        assert not any(default_storage.exists(path) for path in before)  # the old focal point's
        folder = Path(settings.MEDIA_ROOT) / Path(listed[0]).parent
        stored = sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in folder.glob("*.*"))
        assert stored == listed  # none under a name the storage made up
        widths = [w for w, _h, _p in image.renditions["ratios"]["16:9"]["sources"]["jpeg"]]
        assert widths == [320, 640, 960, 1280, 1920]

    def test_add_page_previews_the_chosen_file_and_says_so(self):
        self.client.force_login(UserFactory(username="ed", role="Editor"))
        response = self.client.get(reverse("admin:articles_image_add"))
        self.assertContains(response, "Choose an image file: it shows here")
        self.assertContains(response, "data-focal-preview")

    def test_database_refuses_a_focal_point_outside_the_image(self):
        image = library_image()
        with pytest.raises(IntegrityError), transaction.atomic():
            Image.objects.filter(pk=image.pk).update(focal_x=1.5)

    def test_admin_refuses_a_focal_point_outside_the_image(self):
        editor = UserFactory(username="ed", role="Editor")
        image = library_image()
        self.client.force_login(editor)
        data = {"alt_text": "x", "caption": "", "credit": "", "focal_x": "2", "focal_y": "0.5"}
        response = self.client.post(reverse("admin:articles_image_change", args=[image.pk]), data)
        assert response.status_code == 200
        image.refresh_from_db()
        assert image.focal_x == 0.5


class MarkupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.image = library_image(alt_text="Solar panels on a roof", size=(1600, 1000))
        media.process_image(image_id=cls.image.pk)
        cls.image.refresh_from_db()
        cls.article = ArticleFactory(lead_image=cls.image, slug="solar")

    def test_article_page_has_a_picture_with_srcset_sizes_and_fetchpriority(self):
        page = lxml_html.fromstring(self.client.get(self.article.get_absolute_url()).content)
        picture = page.cssselect("figure.lead-image picture")[0]
        types = [s.get("type") for s in picture.cssselect("source")]
        assert types == (["image/avif"] if features.check("avif") else []) + ["image/webp"]
        img = picture.cssselect("img")[0]
        assert (img.get("width"), img.get("height")) == ("1600", "1000")
        assert img.get("alt") == "Solar panels on a roof"
        assert img.get("fetchpriority") == "high" and img.get("loading") is None
        assert img.get("sizes") and img.get("srcset").count("w,") == 4
        assert img.get("src").endswith(".jpeg")

    def test_cards_use_the_16_9_crop_lazily_below_the_first_row(self):
        ArticleFactory.create_batch(7, lead_image=self.image)
        page = lxml_html.fromstring(self.client.get("/").content)
        imgs = page.cssselect(".card__image img")
        assert len(imgs) == 8
        lead, rest = imgs[0], imgs[1:]
        assert lead.get("fetchpriority") == "high"
        for img in rest:
            assert img.get("alt") == ""
            assert (img.get("width"), img.get("height")) == ("1600", "900")
            assert "/16x9-" in img.get("srcset")
        # The first row loads at once (the largest paint is often there), the rest lazily.
        assert rest[0].get("loading") is None
        assert rest[-1].get("loading") == "lazy"

    def test_before_renditions_exist_the_master_is_shown(self):
        fresh = library_image(alt_text="Fresh", size=(800, 600))  # renditions not made yet
        assert not fresh.has_renditions
        article = ArticleFactory(lead_image=fresh, slug="fresh")
        page = lxml_html.fromstring(self.client.get(article.get_absolute_url()).content)
        img = page.cssselect("figure.lead-image img")[0]
        assert img.get("src") == fresh.file.url
        assert (img.get("width"), img.get("height")) == ("800", "600")
        assert img.get("srcset") is None and not page.cssselect("figure.lead-image source")
        assert default_storage.exists(fresh.file.name)

    def test_image_still_being_processed_shows_no_broken_image(self):
        waiting = Image.objects.create(alt_text="Waiting", incoming="2026/01/x.png")
        article = ArticleFactory(lead_image=waiting, slug="waiting")
        response = self.client.get(article.get_absolute_url())
        assert response.status_code == 200
        self.assertNotContains(response, '<figure class="lead-image"')

    def test_pages_with_pictures_pass_the_w3c_checker(self):
        author = AuthorFactory(photo=self.image, slug="w3c")
        ArticleFactory(lead_image=self.image, authors=[author])
        pages = {
            "article": self.client.get(self.article.get_absolute_url()).content,
            "home": self.client.get("/").content,
            "author": self.client.get(author.get_absolute_url()).content,
        }
        image_words = ("“img”", "“source”", "“picture”", "srcset", "sizes", "fetchpriority")
        errors = {
            name: [e for e in found if any(word in e for word in image_words)]
            for name, found in html_errors(pages).items()
        }
        assert errors == {"article": [], "home": [], "author": []}
        assert all(b"<picture>" in html for html in pages.values())

    def test_replacing_the_file_removes_the_old_master_and_renditions(self):
        image = library_image(size=(400, 300))
        media.process_image(image_id=image.pk)
        image.refresh_from_db()
        old_master = image.file.name
        old_rendition = image.renditions["ratios"]["1:1"]["sources"]["jpeg"][0][2]
        with self.captureOnCommitCallbacks(execute=True):
            media.save_image(image=image, upload=image_file("new.jpg", size=(500, 300)))
        image.refresh_from_db()
        assert (image.width, image.height) == (500, 300)
        assert not default_storage.exists(old_master)
        assert not default_storage.exists(old_rendition)
        assert default_storage.exists(image.file.name) and image.has_renditions

    def test_rendition_meta_for_social_and_structured_data(self):
        meta = self.image.rendition_meta(ratio="16:9", width=1200)
        assert (meta["width"], meta["height"]) == (1280, 720)
        assert meta["url"].endswith("/16x9-1280.jpeg")
        square = self.image.rendition_meta(ratio="1:1", width=1200)
        assert (square["width"], square["height"]) == (1000, 1000)
        fresh = library_image(size=(800, 600))
        assert fresh.rendition_meta() == {
            "url": fresh.file.url,
            "width": 800,
            "height": 600,
            "name": fresh.file.name,
        }

    def test_author_photo_is_a_square_picture(self):
        author = AuthorFactory(photo=self.image, slug="pat")
        ArticleFactory(authors=[author])  # an author page needs a published article
        page = lxml_html.fromstring(self.client.get(author.get_absolute_url()).content)
        img = page.cssselect("img.author-photo")[0]
        assert (img.get("width"), img.get("height"), img.get("alt")) == (
            "1000",
            "1000",
            author.name,
        )

    def test_listing_of_twenty_images_costs_the_same_queries_as_one(self):
        def queries_for_home():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert self.client.get("/").status_code == 200
            return len(ctx)

        # A full page either way (past the sixth card a listing also reads its ad slot).
        ArticleFactory.create_batch(PAGE_SIZE, published_at=timezone.now() - timedelta(days=9))
        queries_for_home()  # warm the per-process caches
        one = queries_for_home()
        for i in range(19):
            copy = Image.objects.create(
                alt_text=f"Copy {i}",
                file=self.image.file.name,
                width=self.image.width,
                height=self.image.height,
                renditions=self.image.renditions,
            )
            ArticleFactory(lead_image=copy)
        queries_for_home()  # the new articles' sections changed the navigation: read it once
        twenty = queries_for_home()
        assert Article.objects.published().exclude(lead_image=None).count() == 20
        assert twenty == one


class ReuseAndDeletionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor", is_superuser=False)
        cls.image = library_image(alt_text="Shared photo")
        cls.first = ArticleFactory(lead_image=cls.image, headline="First story")
        cls.second = ArticleFactory(lead_image=cls.image, headline="Second story")
        cls.author = AuthorFactory(photo=cls.image, name="Pat Photo")

    def test_one_image_is_reused_by_two_articles(self):
        assert set(self.image.lead_image_articles.all()) == {self.first, self.second}
        for article in (self.first, self.second):
            self.assertContains(self.client.get(article.get_absolute_url()), self.image.file.url)

    def test_deleting_an_image_in_use_is_refused_with_where_it_is_used(self):
        self.client.force_login(self.editor)
        url = reverse("admin:articles_image_delete", args=[self.image.pk])
        response = self.client.get(url)
        self.assertContains(response, "would require deleting the following protected related")
        for text in ["First story", "Second story", "Pat Photo"]:
            self.assertContains(response, text)
        response = self.client.post(url, {"post": "yes"})
        assert Image.objects.filter(pk=self.image.pk).exists()
        assert Article.objects.filter(lead_image=self.image).count() == 2
        assert Author.objects.get(pk=self.author.pk).photo == self.image

    def test_unused_image_can_be_deleted(self):
        spare = library_image(alt_text="Spare")
        self.client.force_login(self.editor)
        url = reverse("admin:articles_image_delete", args=[spare.pk])
        assert self.client.post(url, {"post": "yes"}).status_code == 302
        assert not Image.objects.filter(pk=spare.pk).exists()

    def test_lead_image_chooser_is_an_autocomplete_over_the_library(self):
        self.client.force_login(self.editor)
        response = self.client.get(reverse("admin:articles_article_change", args=[self.first.pk]))
        self.assertContains(response, 'data-field-name="lead_image"')
        search = self.client.get(
            reverse("admin:autocomplete"),
            {
                "term": "Shared",
                "app_label": "articles",
                "model_name": "article",
                "field_name": "lead_image",
            },
        )
        assert [r["text"] for r in search.json()["results"]] == ["Shared photo"]

    def test_writer_can_add_but_not_delete_images(self):
        writer = UserFactory(username="wr", role="Writer")
        self.client.force_login(writer)
        assert self.client.get(reverse("admin:articles_image_add")).status_code == 200
        url = reverse("admin:articles_image_delete", args=[self.image.pk])
        assert self.client.post(url, {"post": "yes"}).status_code == 403


class RebuildCommandTests(TestCase):
    def test_rebuild_renditions_makes_missing_ones_with_a_progress_bar(self):
        first, second = library_image(size=(400, 300)), library_image(size=(400, 300))
        out = StringIO()
        call_command("rebuild_renditions", "--missing", stdout=out)
        assert "[" + "#" * 30 + "] 2/2" in out.getvalue()
        assert "Rebuilt renditions for 2 of 2 images." in out.getvalue()
        for image in (first, second):
            image.refresh_from_db()
            assert image.has_renditions
        assert Image.objects.awaiting_renditions().count() == 0


def _paths(made):
    """Every file a set of renditions lists, sorted."""
    return sorted(
        path
        for entry in made["ratios"].values()
        for sources in entry["sources"].values()
        for _width, _height, path in sources
    )
