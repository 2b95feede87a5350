"""Uploaded images: validated, then re-encoded so that nothing but pixels reaches storage."""

import io
import uuid
import warnings

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # well below Pillow's own decompression-bomb limit
MAX_FRAMES = 1
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}

ERROR_EXTENSION = "Upload a JPEG, PNG or WebP image (.jpg, .jpeg, .png or .webp)."
ERROR_TOO_LARGE = "This file is larger than 10 MB. Export a smaller image and try again."
ERROR_NOT_IMAGE = "This file is not an image we can read. Export it again as JPEG, PNG or WebP."
ERROR_MISMATCH = "The file's contents do not match its extension ({ext})."
ERROR_TOO_MANY_PIXELS = "This image has more than 40 megapixels. Export a smaller image."
ERROR_ANIMATED = "Animated images are not accepted. Upload a still image."


def reencode_image(uploaded) -> SimpleUploadedFile:
    """Check an uploaded image and return a freshly encoded copy under a generated name.

    Raises `forms.ValidationError` with an editor-readable message for anything else.
    """
    ext = uploaded.name.rsplit(".", 1)[-1].lower() if "." in uploaded.name else ""
    if ext not in EXTENSIONS:
        raise forms.ValidationError(ERROR_EXTENSION, code="extension")
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(ERROR_TOO_LARGE, code="too_large")
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(uploaded)
            if image.format != EXTENSIONS[ext]:
                raise forms.ValidationError(ERROR_MISMATCH.format(ext=ext), code="format_mismatch")
            if image.width * image.height > MAX_PIXELS:
                raise forms.ValidationError(ERROR_TOO_MANY_PIXELS, code="too_many_pixels")
            if getattr(image, "n_frames", 1) > MAX_FRAMES:
                raise forms.ValidationError(ERROR_ANIMATED, code="animated")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise forms.ValidationError(ERROR_NOT_IMAGE, code="invalid") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise forms.ValidationError(ERROR_TOO_MANY_PIXELS, code="too_many_pixels") from exc

    image = ImageOps.exif_transpose(image)  # keep the orientation, drop the metadata
    fmt = image.format or EXTENSIONS[ext]
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    save_kwargs = {"quality": 88, "optimize": True} if fmt in ("JPEG", "WEBP") else {}
    image.save(out, format=EXTENSIONS[ext], **save_kwargs)
    name = f"{uuid.uuid4().hex}.{FORMATS[EXTENSIONS[ext]]}"
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{FORMATS[fmt]}")


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
