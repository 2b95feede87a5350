"""Flip due scheduled articles live and take expired ones down (`--once` for cron), and run
the other recurring jobs that are due (`articles/background/recurring.py`). `run_worker` does
all of this too; this command is for sites that prefer cron or a separate process."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from articles import services
from articles.background.recurring import run_due_jobs


class Command(BaseCommand):
    help = (
        "Publish scheduled articles whose time has come and unpublish those whose unpublish "
        "time has passed. Runs forever (every --interval seconds) unless --once is given. "
        "Safe to run several at once: each article is flipped exactly once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass and exit (cron).")
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="Seconds to sleep between passes when looping (default 30).",
        )

    def handle(self, *args, once=False, interval=30.0, **options):
        while True:
            counts = services.run_due()
            run_due_jobs(worker_id="run_scheduler", skip={"publish-due"})  # just done above
            if counts["published"] or counts["unpublished"] or once:
                self.stdout.write(
                    f"Published {counts['published']}, unpublished {counts['unpublished']}."
                )
            if once:
                return
            time.sleep(interval)
            # A long-running worker must not keep a broken or expired connection.
            close_old_connections()
