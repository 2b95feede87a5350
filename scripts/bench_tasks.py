"""Task queue throughput: tasks/s with 1, 2 and 4 `run_worker` processes, and the time to drain
10,000 no-op tasks and 1,000 purge tasks (median of --rounds), the load average beside.

Not run in CI. Uses its own database beside DATABASE_URL's (PostgreSQL: `newsroom_bench_tasks`
on the same server, created and migrated here; SQLite: a temporary file), so it never touches
a real queue:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom .venv/bin/python scripts/bench_tasks.py
    ... scripts/bench_tasks.py --noop 2000 --purge 200 --rounds 1   # a quick look
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "newsroom_bench_tasks"


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        server, _, _name = url.rpartition("/")
        admin = f"{server}/postgres"
        subprocess.run(  # noqa: S603
            ["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {BENCH_DB}"],  # noqa: S607
            check=True,
        )
        subprocess.run(  # noqa: S603
            ["psql", admin, "-qc", f"CREATE DATABASE {BENCH_DB}"],  # noqa: S607
            check=True,
        )
        return f"{server}/{BENCH_DB}"
    return f"sqlite:///{tempfile.mkdtemp(prefix='bench-tasks-')}/bench.sqlite3"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noop", type=int, default=10_000)
    parser.add_argument("--purge", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument(
        "--command", default="run_worker", help="run_worker, or db_worker to compare"
    )
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "NEWSROOM_TASKS": "database",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get(
            "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
        ),
    }
    env.pop("REDIS_URL", None)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True
    )
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max, Min
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    def fill(kind, count):
        DBTaskResult.objects.all().delete()
        path, kwargs = {
            "noop": ("tests.articles.background.tasks.noop", {}),
            "purge": ("articles.delivery.cache.purge_keys", {"keys": ["article-1", "nav"]}),
        }[kind]
        now = timezone.now()
        DBTaskResult.objects.bulk_create(
            [
                DBTaskResult(
                    id=uuid.uuid4(),
                    args_kwargs={"args": [], "kwargs": kwargs},
                    task_path=path,
                    queue_name="default",
                    backend_name="default",
                    run_after=get_date_max(),
                    enqueued_at=now,
                )
                for _ in range(count)
            ],
            batch_size=2000,
        )

    def drain(workers):
        command = [sys.executable, "manage.py", args.command, "--batch", "--no-reload"]
        command += ["--no-startup-delay", "--interval", "0", "-v0"]
        command += ["--no-housekeeping"] if args.command == "run_worker" else []
        command += ["--queue-name", "*"]
        processes = [
            subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603
            for _ in range(workers)
        ]
        for process in processes:
            process.wait()
        connection.close()
        done = DBTaskResult.objects.filter(status="SUCCESSFUL")
        span = done.aggregate(start=Min("started_at"), end=Max("finished_at"))
        left = DBTaskResult.objects.exclude(status="SUCCESSFUL").count()
        if left:
            raise SystemExit(f"{left} tasks not done")
        return (span["end"] - span["start"]).total_seconds(), done.count()

    print(f"database: {connection.vendor}; rounds: {args.rounds} (median)")
    print(f"{'tasks':>7} {'kind':>6} {'workers':>7} {'drain s':>8} {'tasks/s':>8}  load avg")
    for kind, count in (("noop", args.noop), ("purge", args.purge)):
        if not count:
            continue
        for workers in (int(n) for n in args.workers.split(",")):
            times = []
            for _ in range(args.rounds):
                fill(kind, count)
                seconds, _done = drain(workers)
                times.append(seconds)
            median = statistics.median(times)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"{count:>7} {kind:>6} {workers:>7} {median:>8.2f} {count / median:>8.0f}  {load}"
            )
            time.sleep(1)


if __name__ == "__main__":
    main()
