"""Background work on Django's tasks framework: notification mail, image renditions and
cache purges (with the purged articles' markup rendered afresh).

Enqueue with `transaction.on_commit(lambda: some_task.enqueue(...))` so that a rolled-back
change enqueues nothing. A task that raises is tried again later (`RETRY_DELAYS`) and, after
its last attempt, recorded as a `TaskFailure` that the dashboard and the admin show.
"""

import logging
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from articles import cache
from articles.background.faults import connection_lost
from articles.models import Article, TaskFailure

logger = logging.getLogger(__name__)

# Seconds to wait before the second, third and fourth attempt.
RETRY_DELAYS = (60, 300, 1800)


@contextmanager
def retried(task_obj, *, attempt: int, **kwargs):
    """Run the block; on an error enqueue the next attempt with backoff, or record the failure.

    The error is raised again so that the queue records this attempt as failed too. A backend
    that cannot defer (the immediate one) gets no retry: the failure is recorded at once.
    """
    try:
        yield
    except Exception as exc:
        if connection_lost(exc):  # the worker puts this very task back (articles/background)
            raise
        can_retry = attempt <= len(RETRY_DELAYS) and task_obj.get_backend().supports_defer
        if can_retry:
            delay = RETRY_DELAYS[attempt - 1]
            logger.warning(
                "%s failed (attempt %d), retrying in %ds: %s", task_obj.name, attempt, delay, exc
            )
            task_obj.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                attempt=attempt + 1, **kwargs
            )
        else:
            logger.error("%s failed after %d attempt(s): %s", task_obj.name, attempt, exc)
            TaskFailure.objects.create(
                task_name=task_obj.name,
                arguments=kwargs,
                attempts=attempt,
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        raise


@task
def send_notification(
    *, article_id: int, action: str, note: str = "", key: str = "", attempt: int = 1
):
    """Mail the people who need to know about a transition (each at most once per `key`)."""
    from articles.services.notifications import notify

    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return
    with retried(
        send_notification,
        attempt=attempt,
        article_id=article_id,
        action=action,
        note=note,
        key=key,
    ):
        notify(article=article, action=action, note=note, key=key)


def enqueue_notification(*, article: Article, action: str, note: str = "") -> None:
    """Queue the transition's mail for after the commit (nothing if the change rolls back)."""
    article_id = article.pk
    key = uuid.uuid4().hex  # the retries and re-runs of this mail share it

    def enqueue():
        # Queueing must never turn a saved change into an error page.
        try:
            send_notification.enqueue(article_id=article_id, action=action, note=note, key=key)
        except Exception:
            logger.exception("Could not queue the %s mail for article %s", action, article_id)

    transaction.on_commit(enqueue)


@task(queue_name="images")
def make_renditions(*, image_id: int, attempt: int = 1):
    """Re-encode a waiting upload and make every rendition of a library image."""
    from articles.services.images import process_image

    with retried(make_renditions, attempt=attempt, image_id=image_id):
        process_image(image_id=image_id)


@task
def purge_keys(keys: list[str]) -> None:
    """Purge surrogate keys in the application cache and every configured proxy, then render
    and keep the purged articles' own markup (`articles.markup`) for the next reader."""
    from articles import markup

    cache.purge(keys)
    try:
        markup.keep_current(cache.article_ids(keys))
    except Exception:  # the purge is done; a page renders its markup itself if need be
        logger.exception("Could not render the markup of the purged articles")
