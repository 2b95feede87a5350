"""The media library: images uploaded once, described once, reused by articles and authors."""

import functools

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils.functional import cached_property

from articles.media.renditions import MIME, formats


class IncomingStorage(FileSystemStorage):
    """Large uploads wait here (`INCOMING_ROOT`, never served) for the task worker."""

    @cached_property
    def base_location(self):
        return settings.INCOMING_ROOT

    def url(self, name):
        raise ValueError("Files waiting to be processed have no public address.")


_incoming = IncomingStorage()

# Sent (with `image=`) when the worker stored an image's master or renditions with a queryset
# update, which sends no `post_save`: the page cache purges the pages showing it
# (articles/delivery/cache.py connects it).
image_processed = Signal()


@functools.lru_cache(maxsize=16384)
def media_url(name):
    """The public address of the media file `name`, remembered: a card's `<picture>` names a
    dozen renditions, and the storage's `url()` (quoting, then joining to MEDIA_URL or the
    bucket's address) was a fifth of a card's cost. Media addresses are fixed for a name: local
    files, or a public bucket without signed URLs (`querystring_auth` is off, newsroom/settings).
    """
    return default_storage.url(name)


@receiver(setting_changed)
def _forget_media_urls(*, setting, **kwargs):
    if setting in {"STORAGES", "MEDIA_URL"}:
        media_url.cache_clear()


def incoming_storage():
    return _incoming


def _unit(name):
    return models.FloatField(
        name,
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Where the subject is, from 0 (left/top) to 1 (right/bottom). Crops keep it "
        "in view. Click the image to set it.",
    )


class ImageQuerySet(models.QuerySet):
    def ready(self):
        """Images whose re-encoded master exists (a large upload waits for the worker)."""
        return self.exclude(file="")

    def awaiting_renditions(self):
        """Images with a master but no renditions yet."""
        return self.ready().filter(renditions={})


class Image(models.Model):
    """A picture in the media library, with what readers who cannot see it need to know."""

    file = models.ImageField(
        upload_to="images/%Y/%m/",
        blank=True,
        help_text="JPEG, PNG or WebP, up to 30 MB and 50 megapixels. It is re-encoded: camera "
        "data (location, device) is removed and the orientation applied.",
    )
    incoming = models.FileField(
        storage=incoming_storage, upload_to="%Y/%m/", blank=True, editable=False
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    original_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    original_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt_text = models.CharField(
        "alt text",
        max_length=250,
        help_text="What the image shows, for readers who cannot see it. Required.",
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(
        "credit / copyright",
        max_length=120,
        blank=True,
        help_text="Photographer or agency, shown beside the caption.",
    )
    focal_x = _unit("focal point x")
    focal_y = _unit("focal point y")
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["-uploaded_at"], name="image_uploaded_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_in_image",
            ),
        ]

    def __str__(self):
        return self.alt_text[:80] or f"Image {self.pk}"

    def get_absolute_url(self):
        return reverse("admin:articles_image_change", args=[self.pk])

    @property
    def is_ready(self):
        """Whether there is something to show (the master, renditions or not)."""
        return bool(self.file)

    @property
    def has_renditions(self):
        return bool(self.renditions.get("ratios"))

    def sources(self, ratio="original"):
        """What `<picture>` needs for `ratio`: width, height, a fallback src and the sources.

        Read from the database row alone (no file or image work). Before the renditions exist,
        the re-encoded master is the only source, at its own size; without one, `None`.
        """
        entry = self.renditions.get("ratios", {}).get(ratio)
        if entry:
            types = [
                {"type": MIME[fmt], "srcset": _srcset(entry["sources"][fmt])}
                for fmt in formats()
                if fmt != "jpeg" and entry["sources"].get(fmt)
            ]
            jpegs = entry["sources"]["jpeg"]
            fallback = next((j for j in jpegs if j[0] >= 640), jpegs[-1])
            return {
                "width": entry["width"],
                "height": entry["height"],
                "src": media_url(fallback[2]),
                "srcset": _srcset(jpegs),
                "types": types,
            }
        if self.file and self.width and self.height:
            return {
                "width": self.width,
                "height": self.height,
                "src": media_url(self.file.name),
                "srcset": "",
                "types": [],
            }
        return None

    def rendition_meta(self, ratio="16:9", width=1200):
        """One JPEG for social cards and structured data: `{"url", "width", "height", "name"}`.

        The narrowest rendition of `ratio` at least `width` wide (else the widest); before
        renditions exist, the master; None without either. The url is relative to the site
        (prefix the base URL); `name` is the file's name in storage.
        """
        entry = self.renditions.get("ratios", {}).get(ratio)
        if entry and entry["sources"].get("jpeg"):
            jpegs = entry["sources"]["jpeg"]
            w, h, path = next((j for j in jpegs if j[0] >= width), jpegs[-1])
            return {"url": media_url(path), "width": w, "height": h, "name": path}
        if self.file and self.width:
            return {
                "url": media_url(self.file.name),
                "width": self.width,
                "height": self.height,
                "name": self.file.name,
            }
        return None


def _srcset(sources):
    return ", ".join(f"{media_url(path)} {w}w" for w, _h, path in sources)
