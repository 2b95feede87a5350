"""The publication itself: its name, address, language, time zone and images."""

import re
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from articles.media.validation import ReencodedImageField

# BCP 47 as search engines and feed readers use it: a 2-3 letter language, then optional
# script / region / variant subtags ("en", "en-GB", "pt-BR", "zh-Hant-TW").
BCP47 = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*$"
)

ERROR_BASE_URL = (
    "Enter the site's address as scheme and host only, e.g. https://news.example.com "
    "(no path, query or fragment)."
)
ERROR_LANGUAGE = "Enter a BCP 47 language tag such as en, en-GB or pt-BR."
ERROR_TIME_ZONE = "Choose a time zone from the list (e.g. Europe/London)."


def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def validate_base_url(value):
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ValidationError(ERROR_BASE_URL, code="base_url")


def validate_language(value):
    if not BCP47.match(value):
        raise ValidationError(ERROR_LANGUAGE, code="language")


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(ERROR_TIME_ZONE, code="time_zone")


def default_name():
    return settings.NEWSROOM_SITE_NAME


def default_base_url():
    return settings.NEWSROOM_BASE_URL


def default_language():
    return settings.NEWSROOM_LANGUAGE


def default_time_zone():
    return settings.TIME_ZONE


class Publication(models.Model):
    """The publication's settings: one row, edited by administrators (defaults from settings)."""

    name = models.CharField(
        max_length=100,
        default=default_name,
        help_text="Shown in every page title, the site header, feeds, Google News and shares.",
    )
    base_url = models.CharField(
        "canonical address",
        max_length=200,
        default=default_base_url,
        validators=[validate_base_url],
        help_text="Scheme and host, e.g. https://news.example.com. Every link in feeds, "
        "sitemaps, canonical links and social cards is built from it, never from the "
        "address a visitor happened to use.",
    )
    language = models.CharField(
        max_length=35,
        default=default_language,
        validators=[validate_language],
        help_text="The language of the articles as a BCP 47 tag (en, en-GB, de, pt-BR). "
        "Used in the page's lang attribute, feeds and the Google News sitemap.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Datelines and times are shown in this time zone. Article addresses keep "
        "the server's date so that they never change.",
    )
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="One sentence about the publication, for the home page's description, "
        "feeds and social cards.",
    )
    logo = ReencodedImageField(
        upload_to="publication/",
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        help_text="A JPEG, PNG or WebP logo for search engines (Google asks for at least "
        "112 px wide). Leave empty to use none.",
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    social_image = ReencodedImageField(
        "default social image",
        upload_to="publication/",
        blank=True,
        width_field="social_image_width",
        height_field="social_image_height",
        help_text="Shown when a page without its own image is shared (1200×630 works everywhere).",
    )
    social_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    social_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    social_image_alt = models.CharField("default social image alt text", max_length=250, blank=True)
    twitter_site = models.CharField(
        "X (Twitter) account",
        max_length=16,
        blank=True,
        validators=[
            RegexValidator(
                r"^@[A-Za-z0-9_]{1,15}$",
                "Write the account as @name (letters, digits and _, at most 15 after the @).",
            )
        ],
        help_text="The publication's account, like @newsroom: shared pages name it "
        "(twitter:site). Leave empty if there is none.",
    )
    feeds_full_content = models.BooleanField(
        "full text in feeds",
        default=True,
        help_text="Feeds carry the whole article body. Untick to send only the standfirst, "
        "so that feed readers link to the site for the rest.",
    )
    is_singleton = models.BooleanField(default=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "publication settings"
        verbose_name_plural = "publication settings"
        constraints = [
            models.UniqueConstraint(fields=["is_singleton"], name="publication_single_row"),
            models.CheckConstraint(condition=Q(is_singleton=True), name="publication_singleton"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.base_url = self.base_url.strip().rstrip("/")
        super().save(*args, **kwargs)

    def clean(self):
        if self.social_image and not self.social_image_alt.strip():
            raise ValidationError(
                {"social_image_alt": "Describe the social image for readers who cannot see it."}
            )
