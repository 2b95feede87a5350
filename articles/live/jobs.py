"""Live coverage's recurring jobs (found by `articles.background.recurring`)."""

from datetime import timedelta

from articles.background.recurring import recurring
from articles.live import services


@recurring("live-auto-end", every=timedelta(minutes=5))
def end_stale_coverage():
    """End live coverage that has had no entry for its set number of hours."""
    return services.end_stale_coverage()
