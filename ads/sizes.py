"""Ad sizes: the IAB catalogue, parsing "728x90, 970x250" lists, and the three breakpoints."""

import re

from django.core.exceptions import ValidationError

IAB_SIZES = [
    (728, 90),  # leaderboard
    (970, 90),  # super leaderboard
    (970, 250),  # billboard
    (300, 250),  # medium rectangle
    (336, 280),  # large rectangle
    (300, 600),  # half page
    (160, 600),  # wide skyscraper
    (120, 600),  # skyscraper
    (320, 50),  # mobile banner
    (320, 100),  # large mobile banner
    (300, 50),  # mobile banner (small)
    (468, 60),  # full banner
    (250, 250),  # square
    (200, 200),  # small square
]
IAB_SIZE_TEXT = ", ".join(f"{w}x{h}" for w, h in IAB_SIZES)

# (name, smallest viewport width in CSS px, widest creative that fits)
BREAKPOINTS = [
    ("mobile", 0, 360),
    ("tablet", 768, 740),
    ("desktop", 1024, 10_000),
]

# The width of the column a slot stands in, per breakpoint, in CSS px, at the narrowest screen we
# design each breakpoint for (a 375 px phone, a 768 px tablet, a 1024 px desktop). The article
# column is 42rem (672 px) at most; listings and the header use the 72rem page less its padding.
ARTICLE_COLUMN = {"mobile": 343, "tablet": 672, "desktop": 672}
PAGE_COLUMN = {"mobile": 343, "tablet": 736, "desktop": 992}
COLUMN_NAMES = {"mobile": "phones", "tablet": "tablets", "desktop": "desktops"}

ERROR_SIZE_TOO_WIDE = (
    "{sizes} is wider than the {column} on {screens} ({width} px). Set the sizes on {screens} "
    "to ones at most {width} px wide, e.g. {example}."
)

ERROR_SIZE_FORMAT = "Write sizes as width x height separated by commas, e.g. 728x90, 970x250."
ERROR_SIZE_NOT_IAB = "{size} is not an IAB standard size. Use one of: " + IAB_SIZE_TEXT + "."

_SIZE = re.compile(r"^(\d{1,4})\s*[x×]\s*(\d{1,4})$")


def parse_sizes(text: str, *, iab_only: bool = True) -> list[tuple[int, int]]:
    """Parse "728x90, 970x250" into [(728, 90), (970, 250)], raising a readable error."""
    sizes = []
    for part in (text or "").split(","):
        part = part.strip().lower()
        if not part:
            continue
        match = _SIZE.match(part)
        if not match:
            raise ValidationError(ERROR_SIZE_FORMAT, code="size_format")
        size = (int(match[1]), int(match[2]))
        if iab_only and size not in IAB_SIZES:
            raise ValidationError(
                ERROR_SIZE_NOT_IAB.format(size=f"{size[0]}x{size[1]}"), code="size_not_iab"
            )
        if size not in sizes:
            sizes.append(size)
    return sizes


def format_sizes(sizes) -> str:
    return ", ".join(f"{w}x{h}" for w, h in sizes)


def column_widths(position: str) -> dict[str, int] | None:
    """The column width per breakpoint for a slot at `position` (None: not known)."""
    if position in ("in_article", "after_body", "bottom"):
        return ARTICLE_COLUMN
    if position in ("listing", "header"):
        return PAGE_COLUMN
    return None


def fitting_example(width: int) -> str:
    """A common IAB size that fits `width` px, for error messages."""
    for size in [(970, 250), (728, 90), (468, 60), (320, 100), (320, 50), (300, 250)]:
        if size[0] <= width:
            return f"{size[0]}x{size[1]}"
    return "300x50"
