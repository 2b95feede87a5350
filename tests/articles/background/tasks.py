"""Tasks that only the real-worker tests enqueue."""

import os
import time

from django.tasks import task

from articles.models import Article


@task
def nap(seconds: float) -> None:
    """Work that takes a while and touches nothing."""
    time.sleep(seconds)


@task
def mail_then_nap(*, article_id: int, key: str, marker: str) -> None:
    """Send a notification, then (the first time only) hang: a worker to kill mid-task after
    its mail went out."""
    from articles.services.notifications import notify

    notify(article=Article.objects.get(pk=article_id), action="submit", key=key)
    if not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        time.sleep(120)


@task
def noop() -> None:
    """Nothing at all: the queue's own cost (scripts/bench_tasks.py)."""
