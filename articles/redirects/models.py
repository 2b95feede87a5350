"""Old addresses that answer 301 to their new place: filled by imports, editable in the admin."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

OLD_PATH_INVALID = (
    "An old address is a path on this site: it starts with one “/”, e.g. /2019/05/story/."
)
TARGET_INVALID = (
    "The new address must be a path on this site (starting with one “/”), never another site."
)
# Characters that a browser or proxy may read as "another host" or split a header on.
UNSAFE = ("\\", "\r", "\n", "\t", "\x00")


def is_local_path(value: str) -> bool:
    """Whether `value` is a path on this site: one leading slash, no scheme, no host."""
    return (
        bool(value)
        and value.startswith("/")
        and not value.startswith("//")
        and not any(char in value for char in UNSAFE)
        and len(value) <= 1000
    )


class Redirect(models.Model):
    """An old address (a path, with `?p=…` kept when it names a post) sent on to a new one."""

    old_path = models.CharField(
        "old address",
        max_length=500,
        unique=True,
        help_text="The path readers and search engines still ask for, e.g. /2019/05/old-story/ "
        "or /?p=123. Served only when nothing else answers it.",
    )
    new_path = models.CharField(
        "new address",
        max_length=1000,
        help_text="Where to send them: a path on this site, e.g. /2019/05/10/new-story/.",
    )
    is_permanent = models.BooleanField(
        "permanent",
        default=True,
        help_text="Permanent (301) tells search engines to move the old address's ranking to "
        "the new one. Untick for a temporary (302) redirect.",
    )
    origin = models.CharField(
        max_length=40, blank=True, help_text="What made it (“wordpress”: the import), or empty."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(old_path__startswith="/") & ~Q(old_path__startswith="//"),
                name="redirect_old_path_local",
            ),
            models.CheckConstraint(
                condition=Q(new_path__startswith="/") & ~Q(new_path__startswith="//"),
                name="redirect_new_path_local",
            ),
        ]

    def __str__(self):
        return f"{self.old_path} → {self.new_path}"

    def clean(self):
        errors = {}
        if not is_local_path(self.old_path or ""):
            errors["old_path"] = OLD_PATH_INVALID
        if not is_local_path(self.new_path or ""):
            errors["new_path"] = TARGET_INVALID
        if errors:
            raise ValidationError(errors)
