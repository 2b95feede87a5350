"""Settings for the worker processes that tests/articles/background/test_real_worker.py starts:
the site's own, with mail written to files (visible across processes) and short timeouts."""

import os

from newsroom.settings import *  # noqa: F403

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ["NEWSROOM_TEST_MAIL_DIR"]},
    }
}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "images"]}}
NEWSROOM_PURGE_URLS = []
NEWSROOM_WORKER_HEARTBEAT_SECONDS = 0.2
NEWSROOM_WORKER_DEAD_AFTER_SECONDS = 1.5
NEWSROOM_WORKER_HOUSEKEEPING_SECONDS = 0.3
NEWSROOM_TASK_TIMEOUTS = {"default": 2}
