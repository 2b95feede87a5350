"""Reading figures' recurring jobs (found by `articles.background.recurring`)."""

from datetime import timedelta

from articles.analytics import services
from articles.background.recurring import recurring


@recurring("analytics-flush", every=timedelta(minutes=1))
def flush_counts():
    """Write the counted hits into the daily and hourly rows (no database write per hit)."""
    return services.flush()


@recurring("analytics-most-read", every=timedelta(minutes=5))
def refresh_most_read():
    """Work "Most read" out again from the rows and keep it for the pages."""
    services.refresh_most_read()
