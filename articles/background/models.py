"""What went wrong in background work, for the dashboard and the admin."""

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
