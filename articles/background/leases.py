"""Leased work rows (newsletter deliveries, push batches): a worker claims rows for a while;
when it dies, the lease runs out and the rows go back to the queue for another worker."""

from django.utils import timezone


def release_expired(rows, *, sending, queued, now=None) -> int:
    """Put the rows in `rows` whose lease ran out (status `sending`) back as `queued`, their
    claim cleared; how many."""
    expired = rows.filter(status=sending, lease_until__lt=now or timezone.now())
    return expired.update(status=queued, claim="", lease_until=None)
