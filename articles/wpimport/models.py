"""An import run (its file, progress and report) and the map from WordPress ids to our rows."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    """One import of one WordPress export: dry run first, then the real run, in batches."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        CHECKED = "checked", "Dry run done: waiting for confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.CharField(max_length=500, help_text="The export on the server's disk.")
    original_name = models.CharField(max_length=255, blank=True)
    media_from = models.CharField(
        "media from",
        max_length=500,
        blank=True,
        help_text="A copied wp-content/uploads folder on the server, or the uploads address "
        "(https://old.example/wp-content/uploads). Empty: no images are imported.",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.UPLOADED)
    phase = models.CharField(max_length=20, default="media", editable=False)
    position = models.PositiveIntegerField(
        default=0, editable=False, help_text="Items of the export read in this phase."
    )
    dry_run_report = models.JSONField(default=dict, blank=True, editable=False)
    report = models.JSONField(default=dict, blank=True, editable=False)
    error = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "import"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["uploaded", "checked", "queued", "running", "done", "failed"]
                ),
                name="wpimport_run_status_valid",
            ),
        ]

    def __str__(self):
        return f"Import {self.pk} ({self.original_name or self.file})"


class WPObject(models.Model):
    """A WordPress object (post, attachment, author, file …) of one site and the row it became.

    A second run of a newer export of the same site finds its rows here and updates them."""

    site = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    wp_id = models.CharField(max_length=500)
    object_id = models.PositiveBigIntegerField()
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "WordPress object"
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "wp_id"], name="wpobject_unique"),
        ]
        indexes = [models.Index(fields=["site", "kind", "object_id"], name="wpobject_object_idx")]

    def __str__(self):
        return f"{self.kind} {self.wp_id} → {self.object_id}"
