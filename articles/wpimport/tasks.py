"""The import on the task queue: a slice of items per task, then the next task picks up where
this one committed (a worker killed mid-slice loses at most one batch, which is re-done)."""

from django.tasks import task

from articles.background.retries import retried
from articles.wpimport import services
from articles.wpimport.models import ImportRun

ITEMS_PER_TASK = 2_000


@task()
def import_slice(*, run_id: int, attempt: int = 1):
    """Import the next slice of a confirmed run and queue the slice after it."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        return
    with retried(import_slice, attempt=attempt, run_id=run_id):
        finished = services.run_some(run=run, max_items=ITEMS_PER_TASK)
    if not finished:
        import_slice.enqueue(run_id=run_id)


@task()
def check_export(*, run_id: int):
    """The dry run of an uploaded export (its report waits for the administrator)."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is not None:
        services.dry_run(run=run)
