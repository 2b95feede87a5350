"""Our own recurring jobs: the scheduled-articles sweep and pruning old bookkeeping."""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.background import conf
from articles.background.models import RecurringRun, SentMail, WorkerHeartbeat
from articles.background.recurring import recurring


@recurring("publish-due", every=timedelta(seconds=30))
def publish_due():
    """Flip due scheduled articles live and take expired ones down (`services.run_due`)."""
    from articles.services import run_due

    return run_due()


@recurring("prune-task-results", every=timedelta(days=1))
def prune_task_results():
    """Delete finished task results, old recurring runs, mail records and dead workers."""
    now = timezone.now()
    cutoff = now - timedelta(days=conf.keep_results_days())
    return {
        "task_results": DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()[0],
        "recurring_runs": RecurringRun.objects.filter(period_start__lt=cutoff).delete()[0],
        "sent_mail": SentMail.objects.filter(claimed_at__lt=cutoff).delete()[0],
        "workers": WorkerHeartbeat.objects.filter(
            last_seen_at__lt=now - timedelta(days=1)
        ).delete()[0],
    }
