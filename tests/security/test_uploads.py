"""Image uploads: bombs, animated frames, polyglots, SVG, traversal names and corrupt bytes.

Every case ends in `forms.ValidationError` with an editor-readable message, never an exception
of another kind (a 500), and whatever is accepted is re-encoded under a generated name.
"""

import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from articles.media import validation as images
from tests.factories import image_file


def png(size, mode="1"):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def refused(upload):
    with pytest.raises(forms.ValidationError) as excinfo:
        images.reencode_image(upload)
    return excinfo.value.messages


def test_decompression_bombs_are_refused_before_decoding():
    huge = png((20000, 20000))  # ~50 KB on disk, 400 megapixels: Pillow's own hard limit
    big = png((10000, 10000))  # ~12 KB, 100 megapixels: Pillow only warns
    assert len(huge) < 100_000 and len(big) < 20_000
    for data in (huge, big):
        assert refused(SimpleUploadedFile("bomb.png", data)) == [images.ERROR_TOO_MANY_PIXELS]


def test_animated_images_are_refused():
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (64, 64), color) for color in ("red", "green", "blue")]
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    messages = refused(SimpleUploadedFile("moving.gif", buffer.getvalue()))
    assert messages in ([images.ERROR_ANIMATED], [images.ERROR_EXTENSION])


def test_polyglots_are_refused_or_rewritten():
    html_as_png = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    assert refused(SimpleUploadedFile("x.png", html_as_png)) == [images.ERROR_NOT_IMAGE]
    jpeg = image_file("x.jpg").read() + b"<script>alert(1)</script>"
    result = images.reencode_image(SimpleUploadedFile("x.jpg", jpeg))
    assert b"<script" not in result.read()


def test_svg_and_html_are_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refused(SimpleUploadedFile("logo.svg", svg)) == [images.ERROR_EXTENSION]
    assert refused(SimpleUploadedFile("page.png", b"<html></html>")) == [images.ERROR_NOT_IMAGE]


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.jpg", "..\\..\\boot.jpg", "x\x00.jpg", "é" * 300 + ".jpg", "/abs.jpg"],
)
def test_traversal_and_odd_names_are_replaced_by_a_generated_one(name):
    result = images.reencode_image(SimpleUploadedFile(name, image_file("x.jpg").read()))
    assert result.name.endswith(".jpg")
    stem = result.name.removesuffix(".jpg")
    assert len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)


def test_oversized_upload_is_refused_without_decoding(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 1000)
    assert refused(image_file("x.jpg", size=(2000, 2000))) == [images.ERROR_TOO_LARGE]


SEED = image_file("seed.png", size=(32, 32), fmt="PNG").read()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_corrupt_bytes_get_a_form_error_never_a_crash(data):
    raw = bytearray(SEED)
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(8, len(raw)))
    try:
        images.reencode_image(SimpleUploadedFile("fuzz.png", bytes(raw[:cut])))
    except forms.ValidationError:
        pass
