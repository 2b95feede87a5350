"""Ad slots on the site's pages, the creatives that fill them and the placements that link the two.

Times are stored in UTC; a window includes its start and excludes its end.
"""

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ads import sizes as adsizes
from articles.images import ReencodedImageField
from articles.sanitizer import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

ERROR_CODE = "Use only letters, digits, - and _ in a slot code."
ERROR_END_BEFORE_START = "The end must be after the start."
ERROR_SIZE_FITS_NO_SLOT = (
    "This creative is {size}, which fits none of the slot's sizes ({slot_sizes}). "
    "Pick another slot or another creative."
)
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
ERROR_ADSENSE_CLIENT = "Enter the AdSense publisher id, like ca-pub-1234567890123456."
ERROR_SUPPRESSION_TARGET = "Choose a section, a tag, or both."
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


class Position(models.TextChoices):
    """Where on the page a slot sits."""

    HEADER = "header", "Header"
    IN_ARTICLE = "in_article", "Inside the article body"
    AFTER_BODY = "after_body", "After the article body"
    BOTTOM = "bottom", "Bottom of the page"
    SIDEBAR = "sidebar", "Sidebar"


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
        if errors:
            raise ValidationError(errors)


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
        if kind == self.Kind.IMAGE:
            if not self.image:
                errors["image"] = ERROR_IMAGE_REQUIRED
            elif not self.alt_text.strip():
                errors["alt_text"] = ERROR_ALT_REQUIRED
            elif self.size and "width" not in errors:
                self._check_image(errors)
        if kind in (self.Kind.HTML, self.Kind.SCRIPT) and not self.html.strip():
            errors["html"] = ERROR_HTML_REQUIRED
        if kind == self.Kind.HOUSE and not (self.html.strip() or self.image):
            errors["html"] = "A house ad needs HTML or an image."
        if kind == self.Kind.ADSENSE and not _is_adsense_client(self.adsense_client_id):
            errors["adsense_client_id"] = ERROR_ADSENSE_CLIENT
        if errors:
            raise ValidationError(errors)

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


class Priority(models.IntegerChoices):
    """Which placements win: sponsorships first, then standard, then house ads."""

    SPONSORSHIP = 1, "Sponsorship"
    STANDARD = 2, "Standard"
    HOUSE = 3, "House"


class PlacementQuerySet(models.QuerySet):
    def live(self, now=None):
        """Placements that may show now: active, inside their window (end exclusive)."""
        now = now or timezone.now()
        return self.filter(
            Q(is_active=True),
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )

    def scheduled(self, now=None):
        """Active placements whose window has not started yet."""
        return self.filter(is_active=True, starts_at__gt=now or timezone.now())

    def expired(self, now=None):
        """Placements whose window has ended."""
        return self.filter(ends_at__lte=now or timezone.now())

    def targeting(self, *, section_id=None, tag_ids=None):
        """Placements whose section and tag targeting match (no targeting matches everything)."""
        sections = Placement.sections.through.objects.filter(placement=OuterRef("pk"))
        tags = Placement.tags.through.objects.filter(placement=OuterRef("pk"))
        section_ok = ~Exists(sections)
        if section_id is not None:
            section_ok |= Exists(sections.filter(section_id=section_id))
        tag_ok = ~Exists(tags)
        if tag_ids is not None:
            tag_ok |= Exists(tags.filter(tag_id__in=tag_ids))
        return self.filter(section_ok, tag_ok)


class Placement(models.Model):
    """A creative booked into a slot for a while, for some pages: the line item."""

    slot = models.ForeignKey(AdSlot, on_delete=models.CASCADE, related_name="placements")
    creative = models.ForeignKey(Creative, on_delete=models.PROTECT, related_name="placements")
    priority = models.PositiveSmallIntegerField(
        choices=Priority,
        default=Priority.STANDARD,
        help_text="A live sponsorship always beats standard placements; house ads show only "
        "when nothing else is live.",
    )
    weight = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Among live placements of the same priority, a placement with weight 20 "
        "shows twice as often as one with weight 10.",
    )
    starts_at = models.DateTimeField(
        "starts", null=True, blank=True, help_text="Leave empty to start now."
    )
    ends_at = models.DateTimeField(
        "ends",
        null=True,
        blank=True,
        help_text="The placement stops at this moment (it is not shown at the end time "
        "itself). Leave empty to run until switched off.",
    )
    sections = models.ManyToManyField(
        "articles.Section",
        blank=True,
        related_name="+",
        help_text="Only on articles and pages of these sections. Leave empty for all.",
    )
    tags = models.ManyToManyField(
        "articles.Tag",
        blank=True,
        related_name="+",
        help_text="Only on articles with one of these tags. Leave empty for all.",
    )
    page_types = models.JSONField(
        default=list,
        blank=True,
        help_text="Only on these kinds of page. Leave empty for all.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["slot", "priority", "-weight", "pk"]
        indexes = [
            models.Index(fields=["is_active", "starts_at", "ends_at"], name="placement_live_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="placement_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=1000), name="placement_weight_range"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="placement_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.creative} in {self.slot.code}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.is_active
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or self.ends_at > now)
        )

    def shows_on(self, page_type: str) -> bool:
        return not self.page_types or page_type in self.page_types

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = ERROR_END_BEFORE_START
        bad_types = set(self.page_types or []) - set(PageType.values)
        if bad_types:
            errors["page_types"] = f"Unknown page type: {', '.join(sorted(bad_types))}."
        if self.slot_id and self.creative_id:
            size = self.creative.size
            if size and size not in self.slot.sizes:
                errors["creative"] = ERROR_SIZE_FITS_NO_SLOT.format(
                    size=f"{size[0]}x{size[1]}", slot_sizes=adsizes.format_sizes(self.slot.sizes)
                )
        if errors:
            raise ValidationError(errors)


class PlacementStat(models.Model):
    """One placement's counts for one day (UTC): no people, no addresses, just totals."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="stats")
    date = models.DateField()
    offers = models.PositiveIntegerField(default=0, help_text="Times the creative was shown.")
    impressions = models.PositiveIntegerField(
        "viewable impressions",
        default=0,
        help_text="Times at least half of it was on screen for a second.",
    )
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date", "placement"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "date"], name="placementstat_unique_day"),
        ]

    def __str__(self):
        return f"{self.placement_id} on {self.date}"


class Sponsorship(models.Model):
    """A sponsored article: labelled "Sponsored by …", with only the sponsor's ads around it."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="sponsorship"
    )
    sponsor_name = models.CharField(
        max_length=120,
        help_text="Shown as “Sponsored by …”. Only creatives whose advertiser is exactly this "
        "name (any case) show on the article; every other slot stays empty.",
    )
    label = models.CharField(max_length=40, default="Sponsored by")

    class Meta:
        ordering = ["sponsor_name"]

    def __str__(self):
        return f"{self.article} — {self.label} {self.sponsor_name}"


class SuppressionRule(models.Model):
    """No ads (in one slot or all) on articles of a section or with a tag."""

    section = models.ForeignKey(
        "articles.Section", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "articles.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    slot = models.ForeignKey(
        AdSlot,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suppression_rules",
        help_text="Leave empty to suppress every slot.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why, for the next ad manager.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(section__isnull=False) | Q(tag__isnull=False),
                name="suppression_has_target",
            ),
        ]

    def __str__(self):
        target = " + ".join(str(x) for x in (self.section, self.tag) if x)
        return f"No {self.slot.code if self.slot else 'ads'} on {target}"

    def clean(self):
        if not self.section_id and not self.tag_id:
            raise ValidationError(ERROR_SUPPRESSION_TARGET)


ADS_TXT_VARIABLES = [
    "CONTACT",
    "SUBDOMAIN",
    "INVENTORYPARTNERDOMAIN",
    "OWNERDOMAIN",
    "MANAGERDOMAIN",
]


class AdsTxtFile(models.TextChoices):
    ADS = "ads", "ads.txt"
    APP_ADS = "app-ads", "app-ads.txt"


class AdsTxtRecord(models.Model):
    """One authorised seller line of ads.txt or app-ads.txt."""

    class Relationship(models.TextChoices):
        DIRECT = "DIRECT", "DIRECT"
        RESELLER = "RESELLER", "RESELLER"

    file = models.CharField(max_length=10, choices=AdsTxtFile, default=AdsTxtFile.ADS)
    domain = models.CharField(
        "ad system domain", max_length=253, help_text="e.g. google.com (no http://)."
    )
    account_id = models.CharField(
        "publisher account id", max_length=200, help_text="e.g. pub-1234567890123456."
    )
    relationship = models.CharField(max_length=8, choices=Relationship)
    certification_id = models.CharField(
        "certification authority id",
        max_length=64,
        blank=True,
        help_text="Optional, e.g. f08c47fec0942fa0 for Google.",
    )
    comment = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["file", "position", "pk"]
        verbose_name = "ads.txt record"
        constraints = [
            models.CheckConstraint(
                condition=Q(relationship__in=["DIRECT", "RESELLER"]),
                name="adstxt_relationship_valid",
            ),
            models.CheckConstraint(condition=Q(file__in=AdsTxtFile.values), name="adstxt_file"),
        ]

    def __str__(self):
        return self.as_line()

    def as_line(self) -> str:
        fields = [self.domain.lower(), self.account_id, self.relationship]
        if self.certification_id:
            fields.append(self.certification_id)
        line = ", ".join(fields)
        return f"{line} # {self.comment}" if self.comment else line

    def clean(self):
        from ads.adstxt import record_errors

        errors = record_errors(
            domain=self.domain,
            account_id=self.account_id,
            relationship=self.relationship,
            certification_id=self.certification_id,
        )
        if self.comment and "\n" in self.comment:
            errors["comment"] = "A comment must fit on one line."
        if errors:
            raise ValidationError(errors)


class AdsTxtVariable(models.Model):
    """A variable line of ads.txt or app-ads.txt (CONTACT=…, OWNERDOMAIN=…)."""

    class Name(models.TextChoices):
        CONTACT = "CONTACT", "CONTACT"
        SUBDOMAIN = "SUBDOMAIN", "SUBDOMAIN"
        INVENTORYPARTNERDOMAIN = "INVENTORYPARTNERDOMAIN", "INVENTORYPARTNERDOMAIN"
        OWNERDOMAIN = "OWNERDOMAIN", "OWNERDOMAIN"
        MANAGERDOMAIN = "MANAGERDOMAIN", "MANAGERDOMAIN"

    file = models.CharField(max_length=10, choices=AdsTxtFile, default=AdsTxtFile.ADS)
    name = models.CharField(max_length=30, choices=Name)
    value = models.CharField(max_length=253)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["file", "position", "pk"]
        verbose_name = "ads.txt variable"
        constraints = [
            models.CheckConstraint(
                condition=Q(name__in=ADS_TXT_VARIABLES), name="adstxt_variable_name"
            ),
            models.CheckConstraint(
                condition=Q(file__in=AdsTxtFile.values), name="adstxt_variable_file"
            ),
        ]

    def __str__(self):
        return self.as_line()

    def as_line(self) -> str:
        return f"{self.name}={self.value}"

    def clean(self):
        from ads.adstxt import variable_error

        error = variable_error(self.name, self.value)
        if error:
            raise ValidationError({"value": error})
