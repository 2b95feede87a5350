"""The queue's own recurring job: pruning old bookkeeping. (Each app's jobs are in its
`jobs.py`: `articles/jobs.py` has the scheduled-articles sweep.)"""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.background import conf
from articles.background.models import RecurringRun, SentMail, WorkerHeartbeat
from articles.background.recurring import recurring


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
