"""The task queue's records: failed tasks, live workers, recurring runs, notification mail sent."""

from django.db import models


class TaskFailure(models.Model):
    """A background task that failed on its last attempt (mail not sent, renditions not made)."""

    task_name = models.CharField(max_length=200)
    arguments = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.TextField(help_text="The error of the last attempt.")
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-failed_at", "-pk"]

    def __str__(self):
        return f"{self.task_name} failed at {self.failed_at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """A task worker that is (or was lately) alive: it writes `last_seen_at` every few seconds."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    current_task_id = models.CharField(
        max_length=64, blank=True, help_text="The task this worker is running, if any."
    )

    class Meta:
        app_label = "articles"
        ordering = ["-last_seen_at"]

    def __str__(self):
        return f"worker {self.worker_id} on {self.hostname or '?'} (pid {self.pid})"


class RecurringRun(models.Model):
    """One period of one recurring job: the row that makes sure only one worker runs it."""

    job = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    worker_id = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        app_label = "articles"
        ordering = ["-period_start", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="recurring_run_once")
        ]

    def __str__(self):
        return f"{self.job} for {self.period_start:%Y-%m-%d %H:%M:%S}"


class SentMail(models.Model):
    """A notification's mail to one recipient, recorded before it is sent: never sent twice."""

    key = models.CharField(max_length=64, help_text="The notification this mail belongs to.")
    recipient = models.CharField(max_length=254)
    claimed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty if the worker stopped between claim and send."
    )

    class Meta:
        app_label = "articles"
        constraints = [models.UniqueConstraint(fields=["key", "recipient"], name="sent_mail_once")]

    def __str__(self):
        return f"{self.key} to {self.recipient}"
