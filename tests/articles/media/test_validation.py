import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.media import validation as images
from tests.factories import image_file


def test_upload_is_reencoded_under_a_new_name_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    upload = image_file("holiday.jpg", exif=exif.tobytes())
    result = images.reencode_image(upload)
    assert result.name.endswith(".jpg") and "holiday" not in result.name
    reopened = Image.open(io.BytesIO(result.read()))
    assert reopened.size == (640, 480)
    assert b"SecretCam" not in result.file.getvalue()


def test_trailing_script_is_dropped_by_reencoding():
    upload = image_file("x.png", fmt="PNG")
    payload = upload.read() + b"<script>alert(1)</script>"
    result = images.reencode_image(SimpleUploadedFile("x.png", payload))
    assert b"<script>" not in result.file.getvalue()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.svg", b"<svg></svg>"), images.ERROR_EXTENSION),
        (SimpleUploadedFile("x.jpg", b"not an image at all"), images.ERROR_NOT_IMAGE),
        (image_file("x.jpg", fmt="PNG"), images.ERROR_MISMATCH.format(ext="jpg")),
        (image_file("x.png", size=(7100, 7100), fmt="PNG"), images.ERROR_TOO_MANY_PIXELS),
    ],
)
def test_bad_uploads_get_a_clear_error(upload, message):
    with pytest.raises(forms.ValidationError) as excinfo:
        images.reencode_image(upload)
    assert excinfo.value.messages == [message]


def test_oversized_file_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(forms.ValidationError) as excinfo:
        images.reencode_image(image_file("x.jpg"))
    assert excinfo.value.messages == [images.ERROR_TOO_LARGE]


def test_header_check_reads_no_pixels_of_a_huge_png(monkeypatch):
    """A 6300 × 6300 PNG is measured from its header; decoding it is the worker's job."""
    upload = image_file("map.png", size=(6300, 6300), fmt="PNG")

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the request decoded the pixels")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    header = images.inspect_upload(upload)
    assert (header.format, header.width, header.height) == ("PNG", 6300, 6300)
    assert images.needs_worker(header)


def test_jpeg_is_decoded_reduced_to_the_master_size():
    master = images.reencode_image(image_file("big.jpg", size=(8256, 5504)), max_edge=2048)
    assert Image.open(io.BytesIO(master.read())).size == (2048, 1365)
