"""Ad slots on the site's pages, the creatives that fill them and the placements that link the two.

Times are stored in UTC; a window includes its start and excludes its end.
"""

from ads.models.adstxt import ADS_TXT_VARIABLES, AdsTxtFile, AdsTxtRecord, AdsTxtVariable
from ads.models.creatives import (
    ERROR_ADSENSE_CLIENT,
    ERROR_ALT_REQUIRED,
    ERROR_CLICK_URL,
    ERROR_HTML_REQUIRED,
    ERROR_IMAGE_REQUIRED,
    ERROR_IMAGE_SIZE,
    ERROR_IMAGE_TOO_HEAVY,
    ERROR_SIZE_REQUIRED,
    MAX_AD_IMAGE_KB,
    Creative,
    clean_creative_html,
    validate_http_url,
)
from ads.models.placements import (
    ERROR_END_BEFORE_START,
    ERROR_SIZE_FITS_NO_SLOT,
    ERROR_SUPPRESSION_TARGET,
    Placement,
    PlacementQuerySet,
    PlacementStat,
    Priority,
    Sponsorship,
    SuppressionRule,
)
from ads.models.slots import ERROR_CODE, AdSlot, EmptyBehaviour, PageType, Position

__all__ = [
    "ADS_TXT_VARIABLES",
    "ERROR_ADSENSE_CLIENT",
    "ERROR_ALT_REQUIRED",
    "ERROR_CLICK_URL",
    "ERROR_CODE",
    "ERROR_END_BEFORE_START",
    "ERROR_HTML_REQUIRED",
    "ERROR_IMAGE_REQUIRED",
    "ERROR_IMAGE_SIZE",
    "ERROR_IMAGE_TOO_HEAVY",
    "ERROR_SIZE_FITS_NO_SLOT",
    "ERROR_SIZE_REQUIRED",
    "ERROR_SUPPRESSION_TARGET",
    "MAX_AD_IMAGE_KB",
    "AdSlot",
    "AdsTxtFile",
    "AdsTxtRecord",
    "AdsTxtVariable",
    "Creative",
    "EmptyBehaviour",
    "PageType",
    "Placement",
    "PlacementQuerySet",
    "PlacementStat",
    "Position",
    "Priority",
    "Sponsorship",
    "SuppressionRule",
    "clean_creative_html",
    "validate_http_url",
]
