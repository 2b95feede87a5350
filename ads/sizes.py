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
