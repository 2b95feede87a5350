"""Creatives: what an advertiser (or the newsroom itself) shows in a slot."""

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q

from ads import sizes as adsizes
from articles.media.validation import ReencodedImageField
from articles.richtext.sanitizer import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

ERROR_CLICK_URL = "Enter a web address starting with http:// or https://."
ERROR_IMAGE_REQUIRED = "An image creative needs an image."
ERROR_ALT_REQUIRED = "Describe the image for readers who cannot see it."
ERROR_IMAGE_SIZE = (
    "The image is {actual} pixels; for a {size} creative upload it at {size} or at double "
    "size ({double}) for sharp screens."
)
ERROR_IMAGE_TOO_HEAVY = (
    "The image is {kb} KB after compression; ad images must be at most {max} KB."
)
ERROR_HTML_REQUIRED = "Enter the creative's HTML."
ERROR_SIZE_REQUIRED = "Enter the creative's width and height."
ERROR_SIZE_LEAVES_SLOT = (
    "This creative is booked in slot {code}, which takes only {slot_sizes}; at {size} it would "
    "be squeezed. Keep one of those sizes, or book a new creative of this size in a slot that "
    "offers it."
)
ERROR_ADSENSE_CLIENT = "Enter the AdSense publisher id, like ca-pub-1234567890123456."
MAX_AD_IMAGE_KB = 500


# HTML creatives: the article allowlist without links (the whole creative is the link) and with
# web addresses only.
_creative_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS - {"a"},
    attributes={k: v for k, v in ALLOWED_ATTRIBUTES.items() if k != "a"},
    url_schemes={"http", "https"},
    strip_comments=True,
)


def clean_creative_html(html: str) -> str:
    """HTML for an HTML or house creative: an allowlist of tags, no scripts, no links."""
    return _creative_cleaner.clean(html or "")


def validate_http_url(value):
    """Click-through addresses must be plain web addresses."""
    URLValidator(schemes=["http", "https"], message=ERROR_CLICK_URL)(value)


class Creative(models.Model):
    """What an advertiser (or the newsroom itself) shows in a slot."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        HTML = "html", "HTML (sanitised)"
        SCRIPT = "script", "Third-party script tag (sandboxed)"
        GAM = "gam", "Google Ad Manager unit"
        ADSENSE = "adsense", "AdSense unit"
        HOUSE = "house", "House ad"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.IMAGE)
    advertiser = models.CharField(
        max_length=120,
        blank=True,
        help_text="Who pays for it. On a sponsored article only the sponsor's creatives show.",
    )
    width = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Display width in CSS pixels. Required except for ad network units, which "
        "take the slot's sizes.",
    )
    height = models.PositiveSmallIntegerField(null=True, blank=True)
    image = ReencodedImageField(
        upload_to="ads/%Y/%m/",
        blank=True,
        help_text="JPEG, PNG or WebP at the display size or double it; at most 500 KB.",
    )
    alt_text = models.CharField(
        max_length=250, blank=True, help_text="What the image says, for readers who cannot see it."
    )
    html = models.TextField(
        "HTML",
        blank=True,
        help_text="HTML and house ads: tags outside a small allowlist are removed when you "
        "save. Script tags: pasted as given and only ever run inside a sandboxed frame.",
    )
    click_url = models.URLField(
        "click-through address",
        max_length=500,
        blank=True,
        validators=[validate_http_url],
        help_text="Where a click goes (http or https). Clicks are counted on the way.",
    )
    adsense_client_id = models.CharField(
        "AdSense publisher id", max_length=30, blank=True, help_text="ca-pub-…"
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["image", "html", "script", "gam", "adsense", "house"]),
                name="creative_kind_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.kind in (self.Kind.HTML, self.Kind.HOUSE):
            self.html = clean_creative_html(self.html)
        super().save(*args, **kwargs)

    @property
    def size(self) -> tuple[int, int] | None:
        return (self.width, self.height) if self.width and self.height else None

    @property
    def is_network_unit(self) -> bool:
        return self.kind in (self.Kind.GAM, self.Kind.ADSENSE)

    def clean(self):
        errors = {}
        kind = self.kind
        if not self.is_network_unit and not self.size:
            errors["width"] = ERROR_SIZE_REQUIRED
        if kind == self.Kind.IMAGE and not self.image:
            errors["image"] = ERROR_IMAGE_REQUIRED
        if self.image and kind in (self.Kind.IMAGE, self.Kind.HOUSE):
            if not self.alt_text.strip():
                errors["alt_text"] = ERROR_ALT_REQUIRED
            if self.size:
                self._check_image(errors)
        if kind in (self.Kind.HTML, self.Kind.SCRIPT) and not self.html.strip():
            errors["html"] = ERROR_HTML_REQUIRED
        if kind == self.Kind.HOUSE and not (self.html.strip() or self.image):
            errors["html"] = "A house ad needs HTML or an image."
        if kind == self.Kind.ADSENSE and not _is_adsense_client(self.adsense_client_id):
            errors["adsense_client_id"] = ERROR_ADSENSE_CLIENT
        if self.pk and self.size and "width" not in errors:
            self._check_booked_slots(errors)
        if errors:
            raise ValidationError(errors)

    def _check_booked_slots(self, errors):
        """A booked creative keeps a size each of its slots offers (a size edited after
        booking would show squeezed)."""
        for placement in self.placements.select_related("slot").order_by("slot__code"):
            slot = placement.slot
            if self.size not in slot.sizes:
                errors["width"] = ERROR_SIZE_LEAVES_SLOT.format(
                    code=slot.code,
                    slot_sizes=adsizes.format_sizes(slot.sizes),
                    size=f"{self.width}x{self.height}",
                )
                return

    def _check_image(self, errors):
        try:
            actual = (self.image.width, self.image.height)
        except (OSError, ValueError):
            errors["image"] = "This file is not an image we can read."
            return
        w, h = self.size
        if actual not in ((w, h), (2 * w, 2 * h)):
            errors["image"] = ERROR_IMAGE_SIZE.format(
                actual=f"{actual[0]}x{actual[1]}", size=f"{w}x{h}", double=f"{2 * w}x{2 * h}"
            )
        elif self.image.size > MAX_AD_IMAGE_KB * 1024:
            errors["image"] = ERROR_IMAGE_TOO_HEAVY.format(
                kb=self.image.size // 1024, max=MAX_AD_IMAGE_KB
            )


def _is_adsense_client(value: str) -> bool:
    digits = value.removeprefix("ca-pub-")
    return value.startswith("ca-pub-") and digits.isdigit() and len(digits) == 16
