"""Uploaded images: validated from the header, then re-encoded so that nothing but pixels is kept.

Memory per upload is bounded: `inspect_upload()` reads only the file's header (format, size,
frames, orientation) before anything is decoded, and `reencode_image()` decodes JPEGs reduced
with Pillow's `draft()` when a smaller master suffices. Large PNG/WebP uploads, which cannot be
decoded reduced, are left to the task worker (`needs_worker()`), never decoded in a web request.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 30 * 1024 * 1024
# The stated pixel cap: 50 megapixels, so a 45-megapixel camera original (8256 × 5504) is
# accepted; well below Pillow's own decompression-bomb limit (89 megapixels).
MAX_PIXELS = 50_000_000
# PNG/WebP above this many pixels are re-encoded by the task worker, not the web request
# (decoding 8 megapixels takes at most 32 MB; a 6300 × 6300 PNG would take 160 MB).
INLINE_MAX_PIXELS = 8_000_000
# The library keeps a master whose long edge is at most this; renditions are made from it.
MASTER_MAX_EDGE = 2048
MAX_FRAMES = 1
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height

ERROR_EXTENSION = "Upload a JPEG, PNG or WebP image (.jpg, .jpeg, .png or .webp)."
ERROR_TOO_LARGE = "This file is larger than 30 MB. Export a smaller image and try again."
ERROR_NOT_IMAGE = "This file is not an image we can read. Export it again as JPEG, PNG or WebP."
ERROR_MISMATCH = "The file's contents do not match its extension ({ext})."
ERROR_TOO_MANY_PIXELS = "This image has more than 50 megapixels. Export a smaller image."
ERROR_ANIMATED = "Animated images are not accepted. Upload a still image."


@dataclass(frozen=True)
class ImageHeader:
    """What the header of an accepted upload says (width/height as readers will see it)."""

    format: str
    width: int
    height: int

    @property
    def pixels(self):
        return self.width * self.height


def inspect_upload(uploaded) -> ImageHeader:
    """Check an upload from its header alone; raise `forms.ValidationError` for anything else."""
    ext = uploaded.name.rsplit(".", 1)[-1].lower() if "." in uploaded.name else ""
    if ext not in EXTENSIONS:
        raise forms.ValidationError(ERROR_EXTENSION, code="extension")
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(ERROR_TOO_LARGE, code="too_large")
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded) as image:  # reads the header; no pixel is decoded
                if image.format != EXTENSIONS[ext]:
                    raise forms.ValidationError(
                        ERROR_MISMATCH.format(ext=ext), code="format_mismatch"
                    )
                if image.width * image.height > MAX_PIXELS:
                    raise forms.ValidationError(ERROR_TOO_MANY_PIXELS, code="too_many_pixels")
                if getattr(image, "n_frames", 1) > MAX_FRAMES:
                    raise forms.ValidationError(ERROR_ANIMATED, code="animated")
                width, height = image.size
                if _orientation(image) in ROTATED:
                    width, height = height, width
                fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise forms.ValidationError(ERROR_NOT_IMAGE, code="invalid") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise forms.ValidationError(ERROR_TOO_MANY_PIXELS, code="too_many_pixels") from exc
    finally:
        uploaded.seek(0)
    return ImageHeader(format=fmt, width=width, height=height)


def _orientation(image):
    # PNG keeps EXIF after the pixels, and Pillow would decode them all to reach it: skip it
    # there (the worker's decode still applies it). JPEG and WebP carry it in the header.
    if image.format == "PNG":
        return None
    return image.getexif().get(0x0112)


def needs_worker(header: ImageHeader) -> bool:
    """Whether decoding this upload is too heavy for a web request (large PNG/WebP)."""
    return header.format != "JPEG" and header.pixels > INLINE_MAX_PIXELS


def _fit(width, height, max_edge):
    if max_edge is None or max(width, height) <= max_edge:
        return width, height
    scale = max_edge / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


# How to turn each EXIF orientation upright (as `ImageOps.exif_transpose` does).
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def decode(source, *, max_edge=None) -> Image.Image:
    """Decode an (inspected) image upright, at most `max_edge` on its long side.

    JPEGs are decoded reduced by the decoder itself (`draft()`: 1/2, 1/4 or 1/8 scale) when the
    result is still at least the size wanted, so a 45-megapixel photo never takes 135 MB. The
    image is made smaller before it is turned upright, so no full-size copy is made.
    """
    source.seek(0)
    image = Image.open(source)
    if max_edge is None:
        image.load()
        return ImageOps.exif_transpose(image)  # keep the orientation, drop the metadata
    orientation = image.getexif().get(0x0112) if image.format != "PNG" else None
    if image.format == "JPEG":
        image.draft(
            image.mode if image.mode in ("RGB", "L") else "RGB", _fit(*image.size, max_edge)
        )
    image.load()
    if image.format == "PNG":  # EXIF after the pixels is known only now
        orientation = image.getexif().get(0x0112)
    if max(image.size) > max_edge:
        image = image.resize(_fit(*image.size, max_edge), Image.Resampling.LANCZOS)
    if orientation in TRANSPOSE:
        image = image.transpose(TRANSPOSE[orientation])
    return image


def encode(image: Image.Image, fmt: str) -> bytes:
    """Encode pixels only (no EXIF, ICC or text chunks) as `fmt`."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    save_kwargs = {"quality": 88, "optimize": True} if fmt in ("JPEG", "WEBP") else {}
    image.save(out, format=fmt, **save_kwargs)
    return out.getvalue()


def reencode_image(uploaded, *, max_edge=None) -> SimpleUploadedFile:
    """Check an uploaded image and return a freshly encoded copy under a generated name.

    Raises `forms.ValidationError` with an editor-readable message for anything else.
    """
    header = inspect_upload(uploaded)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = decode(uploaded, max_edge=max_edge)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise forms.ValidationError(ERROR_NOT_IMAGE, code="invalid") from exc
    name = f"{uuid.uuid4().hex}.{FORMATS[header.format]}"
    return SimpleUploadedFile(
        name, encode(image, header.format), content_type=f"image/{FORMATS[header.format]}"
    )


class ReencodedImageFormField(forms.ImageField):
    """An image form field that re-encodes what it accepts."""

    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        if cleaned and hasattr(cleaned, "seek") and cleaned is not initial and data:
            return reencode_image(cleaned)
        return cleaned


class ReencodedImageField(models.ImageField):
    """A model image field whose forms validate and re-encode every upload."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ReencodedImageFormField, **kwargs})
