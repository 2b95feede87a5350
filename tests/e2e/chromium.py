"""Which browser the end-to-end tests drive, and how (Debian's Chromium, never a download)."""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# Generous for a 2-core machine shared with other work; every wait is on a condition.
TIMEOUT_MS = 15_000


def in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
