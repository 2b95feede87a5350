"""Writing uploaded files to storage: a full disk is a refusal the editor can read, never a 500,
and never leaves a half-written file behind.

Storage backends write a file before its row is saved; when the disk fills up half-way
(`ENOSPC`, or a quota: `EDQUOT`) the file system keeps what was written. `save_file()` (an
explicit write) and `files_stored_or_removed()` (the writes a model's `save()` makes for its
uncommitted file fields) remove any file they started, then raise `NotStored`; the admins
answer it with a form error (`articles.media.admin.NotStoredAdminMixin`) after the
transaction rolled back, so no row is saved either.
"""

import errno
import logging
from contextlib import contextmanager

from django.db import models

logger = logging.getLogger(__name__)

DISK_FULL = (
    "The file could not be stored: the server has no room left for uploads. Nothing was saved. "
    "Try again later, and tell an administrator."
)
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class NotStored(Exception):
    """The storage refused a file for lack of space; `field` names the model field."""

    def __init__(self, field: str | None = None):
        super().__init__(DISK_FULL)
        self.field = field
        self.message = DISK_FULL


def _targets(instance, names) -> list:
    """(model field name, storage, the name the file will be written under, already there?)."""
    found = []
    for name in names:
        field_file = getattr(instance, name)
        if not field_file or field_file._committed:
            continue
        target = field_file.field.generate_filename(instance, field_file.name)
        found.append((name, field_file.storage, target, field_file.storage.exists(target)))
    return found


def _remove_started(targets) -> None:
    for _name, storage, target, existed in targets:
        if existed:
            continue
        try:
            if storage.exists(target):
                storage.delete(target)
        except OSError:
            logger.exception("Could not remove the partly written file %s", target)


@contextmanager
def files_stored_or_removed(instance):
    """Around a `save()` of `instance`: the files its uncommitted file fields write are kept
    only if the block succeeds; a full disk raises `NotStored`."""
    names = [f.name for f in instance._meta.concrete_fields if isinstance(f, models.FileField)]
    targets = _targets(instance, names)
    try:
        yield
    except OSError as error:
        _remove_started(targets)
        if error.errno in FULL:
            field = next((name for name, *_ in targets), None)
            raise NotStored(field) from error
        raise


def save_file(field_file, name: str, content) -> None:
    """`field_file.save(name, content, save=False)`, removing a partly written file on failure
    (a full disk raises `NotStored`)."""
    instance, field = field_file.instance, field_file.field
    target = field.generate_filename(instance, name)
    started = [(field.name, field_file.storage, target, field_file.storage.exists(target))]
    try:
        field_file.save(name, content, save=False)
    except OSError as error:
        _remove_started(started)
        if error.errno in FULL:
            raise NotStored(field.name) from error
        raise
