"""Ad slots: named places on the site's pages, with their sizes and behaviour."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from ads import sizes as adsizes

ERROR_GAM_PATH = (
    "Write the ad unit path as /network code/unit/…, e.g. /1234567/news/leaderboard "
    "(letters, digits and _ - . * \\ ! < : ( ) in each part, at most 100 characters each)."
)
ERROR_ADSENSE_SLOT = "An AdSense slot id is 10 digits."
# Google Ad Manager: /<network code>/<ad unit code>/…, codes of up to 100 allowed characters.
_GAM_PATH = re.compile(r"^/\d+(/[A-Za-z0-9_.*\\!<:()-]{1,100})+$")
ERROR_CODE = "Use only letters, digits, - and _ in a slot code."
ERROR_SIZE_STILL_BOOKED = (
    "{sizes} is the size of creatives booked in this slot ({names}); keep it among the main or "
    "other sizes, or move those placements first."
)


class Position(models.TextChoices):
    """Where on the page a slot sits."""

    HEADER = "header", "Header"
    IN_ARTICLE = "in_article", "Inside the article body"
    AFTER_BODY = "after_body", "After the article body"
    BOTTOM = "bottom", "Bottom of the page"
    SIDEBAR = "sidebar", "Sidebar"
    LISTING = "listing", "Between cards on listings"


class EmptyBehaviour(models.TextChoices):
    """What a slot shows when no placement is live for the page."""

    PLACEHOLDER = "placeholder", "Show the placeholder"
    HOUSE = "house", "Show a house ad that fits"
    COLLAPSE = "collapse", "Show nothing (no space reserved)"


class PageType(models.TextChoices):
    ARTICLE = "article", "Article pages"
    HOME = "home", "Front page"
    SECTION = "section", "Section pages"
    TAG = "tag", "Tag pages"
    AUTHOR = "author", "Author pages"


class AdSlot(models.Model):
    """A named place on a page where an advertisement may appear."""

    code = models.CharField(
        max_length=40,
        unique=True,
        help_text="The slot's identifier in templates and in the page, e.g. YYYYYYYYYY. "
        "Letters, digits, - and _ only.",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, help_text="Where the slot appears on the page.")
    position = models.CharField(
        max_length=20,
        choices=Position,
        default=Position.AFTER_BODY,
        help_text="Slots inside the article body are inserted after a paragraph (see below); "
        "the others appear where the page template names them.",
    )
    width = models.PositiveSmallIntegerField(
        help_text="Width of the slot's main size in CSS pixels (an IAB standard size)."
    )
    height = models.PositiveSmallIntegerField(
        help_text="Height of the slot's main size in CSS pixels. The page reserves the space "
        "so nothing moves when the advertisement arrives."
    )
    extra_sizes = models.CharField(
        "other sizes",
        max_length=200,
        blank=True,
        help_text="Other IAB sizes this slot accepts, e.g. 970x250, 300x250.",
    )
    sizes_mobile = models.CharField(
        "sizes on phones",
        max_length=200,
        blank=True,
        help_text="Sizes used on screens under 768px. Leave empty to use the accepted sizes "
        "that fit a phone (or the smallest one).",
    )
    sizes_tablet = models.CharField(
        "sizes on tablets",
        max_length=200,
        blank=True,
        help_text="Sizes used on screens from 768px to 1023px. Leave empty to use the accepted "
        "sizes that fit.",
    )
    sizes_desktop = models.CharField(
        "sizes on desktops",
        max_length=200,
        blank=True,
        help_text="Sizes used on screens 1024px and wider. Leave empty to use every accepted size.",
    )
    label = models.CharField(
        max_length=40, default="Advertisement", help_text="Shown above the slot's content."
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="An inactive slot shows nothing at all."
    )
    is_lazy = models.BooleanField(
        "load lazily",
        default=False,
        help_text="For slots below the fold: images and ad network units load only when the "
        "reader scrolls near them.",
    )
    empty_behaviour = models.CharField(
        "when nothing is live",
        max_length=20,
        choices=EmptyBehaviour,
        default=EmptyBehaviour.PLACEHOLDER,
    )
    after_paragraph = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Inside the article body: insert after this paragraph.",
    )
    min_paragraphs = models.PositiveSmallIntegerField(
        "minimum paragraphs",
        default=4,
        validators=[MinValueValidator(2)],
        help_text="Inside the article body: shorter articles show the slot after the body instead.",
    )
    after_card = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1)],
        help_text="Between cards on the front page and section, tag and author pages: show "
        "the slot after this many cards (a shorter page shows it after its last card).",
    )
    gam_ad_unit_path = models.CharField(
        "Google Ad Manager ad unit path",
        max_length=300,
        blank=True,
        help_text="e.g. /1234567/news/article_leaderboard. Used by Google Ad Manager creatives.",
    )
    adsense_slot_id = models.CharField(
        "AdSense slot id",
        max_length=10,
        blank=True,
        help_text="The 10-digit data-ad-slot number. Used by AdSense creatives.",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Za-z0-9_-]+$"), name="adslot_code_format"
            ),
            models.CheckConstraint(condition=Q(width__gt=0, height__gt=0), name="adslot_size"),
            models.CheckConstraint(
                condition=Q(position__in=Position.values), name="adslot_position_valid"
            ),
            models.CheckConstraint(
                condition=Q(empty_behaviour__in=EmptyBehaviour.values),
                name="adslot_empty_behaviour_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def sizes(self) -> list[tuple[int, int]]:
        """Every size the slot accepts, main size first."""
        main = [(self.width, self.height)]
        extra = adsizes.parse_sizes(self.extra_sizes, iab_only=False)
        return main + [size for size in extra if size not in main]

    @property
    def size_mapping(self) -> list[tuple[str, int, list[tuple[int, int]]]]:
        """[(breakpoint, min viewport width, sizes)] for phones, tablets and desktops."""
        accepted = self.sizes
        mapping = []
        for name, min_width, max_creative in adsizes.BREAKPOINTS:
            chosen = adsizes.parse_sizes(getattr(self, f"sizes_{name}"), iab_only=False)
            if not chosen:
                chosen = [s for s in accepted if s[0] <= max_creative] or [
                    min(accepted, key=lambda s: s[0] * s[1])
                ]
            mapping.append((name, min_width, chosen))
        return mapping

    def _column_fit_errors(self) -> dict:
        """Sizes in the size mapping that are wider than the column the slot stands in."""
        columns = adsizes.column_widths(self.position)
        if columns is None:
            return {}
        errors = {}
        for name, _, sizes in self.size_mapping:
            width = columns[name]
            too_wide = [s for s in sizes if s[0] > width]
            if too_wide:
                column = "page column" if columns is adsizes.PAGE_COLUMN else "article column"
                errors[f"sizes_{name}"] = adsizes.ERROR_SIZE_TOO_WIDE.format(
                    sizes=adsizes.format_sizes(too_wide),
                    column=column,
                    screens=adsizes.COLUMN_NAMES[name],
                    width=width,
                    example=adsizes.fitting_example(width),
                )
        return errors

    def _booked_size_errors(self) -> dict:
        """Sizes of creatives booked here that the edited sizes no longer offer."""
        accepted = set(self.sizes)
        lost = {}
        for placement in self.placements.select_related("creative").order_by("creative__name"):
            size = placement.creative.size
            if size and size not in accepted:
                lost.setdefault(size, []).append(placement.creative.name)
        if not lost:
            return {}
        return {
            "extra_sizes": ERROR_SIZE_STILL_BOOKED.format(
                sizes=adsizes.format_sizes(lost),
                names=", ".join(name for names in lost.values() for name in names),
            )
        }

    def clean(self):
        errors = {}
        if self.code and not all(c.isascii() and (c.isalnum() or c in "-_") for c in self.code):
            errors["code"] = ERROR_CODE
        if self.width is not None and self.height is not None:
            if (self.width, self.height) not in adsizes.IAB_SIZES:
                errors["width"] = adsizes.ERROR_SIZE_NOT_IAB.format(
                    size=f"{self.width}x{self.height}"
                )
        for field in ["extra_sizes", "sizes_mobile", "sizes_tablet", "sizes_desktop"]:
            try:
                adsizes.parse_sizes(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        if not errors and self.width and self.height:
            accepted = set(self.sizes)
            for field in ["sizes_mobile", "sizes_tablet", "sizes_desktop"]:
                stray = [s for s in adsizes.parse_sizes(getattr(self, field)) if s not in accepted]
                if stray:
                    errors[field] = (
                        f"{adsizes.format_sizes(stray)} is not one of the slot's sizes; "
                        "add it to the main or other sizes first."
                    )
        if not errors and self.width and self.height:
            errors.update(self._column_fit_errors())
        if not errors and self.pk and self.width and self.height:
            errors.update(self._booked_size_errors())
        if self.gam_ad_unit_path and not _GAM_PATH.match(self.gam_ad_unit_path):
            errors["gam_ad_unit_path"] = ERROR_GAM_PATH
        if self.adsense_slot_id and not (
            self.adsense_slot_id.isdigit() and len(self.adsense_slot_id) == 10
        ):
            errors["adsense_slot_id"] = ERROR_ADSENSE_SLOT
        if errors:
            raise ValidationError(errors)
