"""Media on S3 through django-storages, against moto's standalone S3 server on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.forms import modelform_factory
from django.test import TestCase, override_settings

from articles.models import Article
from tests.factories import ArticleFactory, SectionFactory, image_file

boto3 = pytest.importorskip("boto3")
PORT = 18140
ENDPOINT = f"http://127.0.0.1:{PORT}"
BUCKET = "newsroom-media"
S3_STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": ENDPOINT,
            "region_name": "us-east-1",
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": None,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MOTO = Path(sys.executable).with_name("moto_server")


@pytest.mark.skipif(not MOTO.exists(), reason="moto[server] not installed")
@override_settings(STORAGES=S3_STORAGES)
class S3MediaTests(TestCase):
    @classmethod
    def setUpClass(cls):
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(name, "testing")
        cls.moto = subprocess.Popen(  # noqa: S603
            [str(MOTO), "-H", "127.0.0.1", "-p", str(PORT)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + 30
        while time.monotonic() < end:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", PORT)) == 0:
                    break
            time.sleep(0.1)
        cls.s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1")
        cls.s3.create_bucket(Bucket=BUCKET)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.moto.terminate()
        cls.moto.wait(timeout=10)

    def keys(self):
        listing = self.s3.list_objects_v2(Bucket=BUCKET)
        return [item["Key"] for item in listing.get("Contents", [])]

    def test_lead_image_is_stored_in_the_bucket_and_served_from_it(self):
        article = ArticleFactory(
            lead_image=image_file("rain.jpg", size=(800, 600)), lead_image_alt="Rain on a window"
        )
        article.refresh_from_db()
        assert article.lead_image.name in self.keys()
        assert (article.lead_image_width, article.lead_image_height) == (800, 600)
        stored = self.s3.get_object(Bucket=BUCKET, Key=article.lead_image.name)["Body"].read()
        assert stored[:3] == b"\xff\xd8\xff"  # re-encoded JPEG
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, f'src="{ENDPOINT}/{BUCKET}/{article.lead_image.name}"')

    def test_a_refused_upload_never_reaches_the_bucket(self):
        before = self.keys()
        form_class = modelform_factory(
            Article, fields=["headline", "slug", "section", "lead_image", "lead_image_alt"]
        )
        form = form_class(
            data={"headline": "Refused", "slug": "refused", "section": SectionFactory().pk,
                  "lead_image_alt": "A document"},
            files={"lead_image": image_file("doc.pdf")},
        )  # fmt: skip
        assert not form.is_valid()
        assert "lead_image" in form.errors
        assert self.keys() == before
        assert not Article.objects.filter(slug="refused").exists()


def settings_storages(**env):
    """STORAGES as newsroom/settings.py builds it from `env`."""
    code = "import json,newsroom.settings as s;print(json.dumps(s.STORAGES['default']))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_S3")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def test_local_files_are_the_default_and_s3_is_one_setting_away():
    assert settings_storages()["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = settings_storages(NEWSROOM_S3_BUCKET="media", NEWSROOM_S3_ENDPOINT_URL=ENDPOINT)
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "media"
    assert s3["OPTIONS"]["endpoint_url"] == ENDPOINT
    assert s3["OPTIONS"]["querystring_auth"] is False
