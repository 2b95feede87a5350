"""Run a task worker that survives a lost database (articles/background/worker.py)."""

import logging
import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from articles.background.worker import Worker, name_connections


class Command(db_worker.Command):
    help = (
        "Run a task worker: like django-tasks-db's db_worker, but it reconnects (with backoff) "
        "when the database goes away and puts the interrupted task back, writes a heartbeat, "
        "takes back tasks abandoned by dead workers and runs the recurring jobs. Workers are "
        "the only background service a site needs; run as many as you like."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-housekeeping",
            action="store_false",
            dest="housekeeping",
            help="Only run tasks: no reaper, no recurring jobs (another worker does them).",
        )

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, batch, **options):
        self.configure_logging(verbosity)
        ours = logging.getLogger("articles.background")
        ours.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG if verbosity else 50)
        if not ours.hasHandlers():
            ours.addHandler(logging.StreamHandler(self.stderr))
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        name_connections(options["worker_id"])
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            housekeeping=options["housekeeping"],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
