"""The media library's state changes: storing an upload, making renditions (the
`make_renditions` task, run by the worker, beside the work it does)."""

import io
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from PIL import Image as PILImage

from articles.background.retries import retried
from articles.media import renditions
from articles.media.models import Image, image_processed
from articles.media.storing import save_file
from articles.media.validation import (
    FORMATS,
    MASTER_MAX_EDGE,
    decode,
    encode,
    inspect_upload,
    needs_worker,
    reencode_image,
)

logger = logging.getLogger(__name__)


def save_image(*, image: Image, by=None, upload=None, refocused: bool = False) -> Image:
    """Save a library image. A new upload is checked from its header and re-encoded (large
    PNG/WebP by the task worker); after the commit its renditions are queued. A full disk
    raises `NotStored` with no file left behind (`articles/media/storing.py`).
    """
    replaced = []
    with transaction.atomic():
        if image.pk is None and by is not None and by.is_authenticated:
            image.uploaded_by = by
        if upload is not None and image.pk is not None:
            replaced = [image.file.name, image.renditions]
        if upload is not None:
            header = inspect_upload(upload)
            image.original_width, image.original_height = header.width, header.height
            image.renditions = {}
            if needs_worker(header):
                image.file, image.width, image.height = "", None, None
                name = f"{uuid.uuid4().hex}.{FORMATS[header.format]}"
                save_file(image.incoming, name, upload)
            else:
                master = reencode_image(upload, max_edge=MASTER_MAX_EDGE)
                _store_master(image, master.name, master.read())
        image.save()
        if upload is not None or refocused:
            image_id = image.pk
            transaction.on_commit(lambda: _enqueue_renditions(image_id))
        if replaced:
            transaction.on_commit(lambda: _delete_replaced(*replaced))
    return image


def _delete_replaced(name, old_renditions):
    """After a new file replaced an image's old one: remove the old master and renditions."""
    if name:
        default_storage.delete(name)
    renditions.delete_files(old_renditions)


def _store_master(image, name, data):
    with PILImage.open(io.BytesIO(data)) as opened:
        image.width, image.height = opened.size
    save_file(image.file, name, ContentFile(data))


def _enqueue_renditions(image_id):
    try:
        make_renditions.enqueue(image_id=image_id)
    except Exception:
        logger.exception("Could not queue renditions for image %s", image_id)


def process_image(*, image_id: int) -> Image | None:
    """Re-encode a waiting upload into the master, then (re)make every rendition (task worker)."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return None
    if image.incoming:
        with image.incoming.open("rb") as source:
            pixels = decode(source, max_edge=MASTER_MAX_EDGE)
            fmt = source.name.rsplit(".", 1)[-1].lower()
        fmt = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt]
        _store_master(image, f"{uuid.uuid4().hex}.{FORMATS[fmt]}", encode(pixels, fmt))
        del pixels
        waiting = image.incoming.name
        image.incoming = ""
        Image.objects.filter(pk=image.pk).update(
            file=image.file.name, width=image.width, height=image.height, incoming=""
        )
        image.incoming.storage.delete(waiting)
    if not image.file:
        return image
    old = image.renditions
    image.renditions = renditions.build(image)
    updated = Image.objects.filter(pk=image.pk, file=image.file.name).update(
        renditions=image.renditions
    )
    renditions.delete_files(old if updated else image.renditions)
    if updated:
        image_processed.send(sender=Image, image=image)
    return image


@task(queue_name="images")
def make_renditions(*, image_id: int, attempt: int = 1):
    """Re-encode a waiting upload and make every rendition of a library image."""
    with retried(make_renditions, attempt=attempt, image_id=image_id):
        process_image(image_id=image_id)
