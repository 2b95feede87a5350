"""A full MEDIA_ROOT disk: every upload form answers with a form error (never a 500), saves no
row and leaves no file, whole or partial (the media library, ad creatives, the publication's
logo)."""

import errno
import os
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.test import TestCase
from django.urls import reverse

from ads.models import Creative
from articles.media.models import Image
from articles.media.storing import DISK_FULL
from articles.publication.models import Publication
from tests.ads.test_admin import creative_form
from tests.articles.publication.test_settings import publication_form
from tests.factories import UserFactory, image_file, library_image


def full_disk_save(storage, name, content):
    """What a file system with no room left does: the first bytes land, then ENOSPC."""
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as partial:
        partial.write(next(iter(content.chunks()))[:512])
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def files():
    """Every file under the upload folders."""
    roots = (settings.MEDIA_ROOT, settings.INCOMING_ROOT)
    return {str(p) for root in roots for p in Path(root).rglob("*") if p.is_file()}


class FullDiskTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.root = UserFactory(username="root", is_superuser=True)

    def setUp(self):
        self.client.force_login(self.root)
        self.before = files()

    def post(self, url, data):
        with mock.patch.object(FileSystemStorage, "_save", full_disk_save):
            with self.captureOnCommitCallbacks(execute=True):
                return self.client.post(url, data)

    def assert_refused(self, response, field):
        assert response.status_code == 200
        assert response.context["adminform"].form.errors[field] == [DISK_FULL]
        self.assertContains(response, "no room left for uploads")
        assert files() == self.before

    def library_form(self, upload, **data):
        fields = {"alt_text": "Harbour", "caption": "", "credit": "", "focal_x": "0.5"}
        return {**fields, "focal_y": "0.5", "upload": upload, **data}

    def test_library_upload(self):
        response = self.post(reverse("admin:articles_image_add"), self.library_form(image_file()))
        self.assert_refused(response, "upload")
        assert not Image.objects.exists()

    def test_library_upload_waiting_for_the_worker(self):
        with mock.patch("articles.media.services.needs_worker", return_value=True):
            upload = image_file("big.png", fmt="PNG")
            response = self.post(reverse("admin:articles_image_add"), self.library_form(upload))
        self.assert_refused(response, "upload")
        assert not Image.objects.exists()

    def test_library_replacement_keeps_the_old_file(self):
        image = library_image()
        self.before = files()
        row = Image.objects.filter(pk=image.pk).values().get()
        url = reverse("admin:articles_image_change", args=[image.pk])
        response = self.post(url, self.library_form(image_file("new.jpg"), alt_text="New"))
        self.assert_refused(response, "upload")
        assert Image.objects.filter(pk=image.pk).values().get() == row
        assert Path(settings.MEDIA_ROOT, image.file.name).is_file()

    def test_ad_creative_image(self):
        data = creative_form(image=image_file("ad.png", size=(300, 250), fmt="PNG"))
        response = self.post(reverse("admin:ads_creative_add"), data)
        self.assert_refused(response, "image")
        assert not Creative.objects.exists()

    def test_publication_logo(self):
        data = publication_form(logo=image_file("logo.png", size=(200, 60), fmt="PNG"))
        response = self.post(reverse("admin:articles_publication_add"), data)
        self.assert_refused(response, "logo")
        assert not Publication.objects.exists()
