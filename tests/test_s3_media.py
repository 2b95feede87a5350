"""Media on S3 through django-storages, against moto's standalone S3 server on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings

from articles.models import Article
from tests.factories import ArticleFactory, library_image

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
        image = library_image(alt_text="Rain on a window", size=(800, 600))
        article = ArticleFactory(lead_image=image)
        assert image.file.name in self.keys()
        assert (image.width, image.height) == (800, 600)
        stored = self.s3.get_object(Bucket=BUCKET, Key=image.file.name)["Body"].read()
        assert stored[:3] == b"\xff\xd8\xff"  # re-encoded JPEG
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, f'src="{ENDPOINT}/{BUCKET}/{image.file.name}"')

    def test_a_refused_upload_never_reaches_the_bucket(self):
        before = self.keys()
        with pytest.raises(ValidationError):
            library_image(alt_text="A document", name="doc.pdf")
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
