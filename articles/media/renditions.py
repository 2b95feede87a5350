"""Renditions of a library image: AVIF, WebP and JPEG at a fixed ladder of widths, cropped
around the focal point for fixed ratios. Made by a task
(`articles.media.services.make_renditions`), stored as files with their sizes in
`Image.renditions`, so rendering a page needs no image work.
"""

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import features

from articles.media.validation import decode

# Widths made for every ratio (never wider than the crop itself).
LADDER = (320, 640, 960, 1280, 1920)
# "original" keeps the image's own shape; the others are cropped around the focal point:
# 16:9 for cards and social images, 1:1 and 4:3 for structured data.
RATIOS = {"original": None, "16:9": 16 / 9, "1:1": 1.0, "4:3": 4 / 3}
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
SAVE_OPTIONS = {
    "avif": {"format": "AVIF", "quality": 55, "speed": 9},
    "webp": {"format": "WEBP", "quality": 78, "method": 2},
    "jpeg": {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True},
}


def formats() -> list[str]:
    """Formats to make, best first; AVIF only where this Pillow can write it."""
    return (["avif"] if features.check("avif") else []) + ["webp", "jpeg"]


def crop_box(width, height, ratio, focal_x=0.5, focal_y=0.5):
    """The largest box of `ratio` inside width × height, centred on the focal point if it can be."""
    if ratio is None:
        return (0, 0, width, height)
    if width / height > ratio:  # too wide: keep the full height
        crop_w, crop_h = max(1, round(height * ratio)), height
    else:
        crop_w, crop_h = width, max(1, round(width / ratio))
    left = min(max(round(focal_x * width - crop_w / 2), 0), width - crop_w)
    top = min(max(round(focal_y * height - crop_h / 2), 0), height - crop_h)
    return (left, top, left + crop_w, top + crop_h)


def widths_for(crop_width):
    """The ladder widths a crop this wide gets: the steps below it, then itself (capped).

    Each width once: a crop wider than the top step gets the top step once, not a second
    file under a name the storage made up (`16x9-1920_Y13deYL.avif`).
    """
    top = min(crop_width, LADDER[-1])
    return [w for w in LADDER if w < top] + [top]


def build(image) -> dict:
    """Make every rendition of a library `Image` from its master; return what to store."""
    with image.file.open("rb") as source:
        master = decode(source)
    if master.mode not in ("RGB", "RGBA", "L"):
        master = master.convert("RGBA" if "A" in master.getbands() else "RGB")
    folder = f"renditions/{image.pk}/{uuid.uuid4().hex[:8]}"
    made = {"focal": [image.focal_x, image.focal_y], "ratios": {}}
    for name, ratio in RATIOS.items():
        box = crop_box(*master.size, ratio, image.focal_x, image.focal_y)
        cropped = master.crop(box)
        entry = {"width": cropped.width, "height": cropped.height, "sources": {}}
        for fmt in formats():
            entry["sources"][fmt] = []
            for width in widths_for(cropped.width):
                height = max(1, round(cropped.height * width / cropped.width))
                resized = cropped.resize((width, height), PILImage.Resampling.LANCZOS)
                if fmt == "jpeg" and resized.mode != "RGB":
                    resized = resized.convert("RGB")
                data = _save(resized, fmt)
                path = default_storage.save(
                    f"{folder}/{name.replace(':', 'x')}-{width}.{fmt}", ContentFile(data)
                )
                entry["sources"][fmt].append([width, height, path])
        made["ratios"][name] = entry
    return made


def _save(image, fmt) -> bytes:
    out = io.BytesIO()
    image.save(out, **SAVE_OPTIONS[fmt])
    return out.getvalue()


def delete_files(renditions: dict) -> None:
    """Remove the files of a set of renditions (after a rebuild replaced them)."""
    for entry in renditions.get("ratios", {}).values():
        for sources in entry["sources"].values():
            for _width, _height, path in sources:
                default_storage.delete(path)


__all__ = ["LADDER", "MIME", "RATIOS", "build", "crop_box", "delete_files", "formats"]
