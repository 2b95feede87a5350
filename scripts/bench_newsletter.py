"""Newsletter send benchmark: one issue to N subscribers (100,000 by default) through 2 task
workers (`run_worker`) to a real SMTP server on loopback (aiosmtpd, in this process). One
worker is killed (SIGKILL) part-way through and a new one started, as a supervisor would.
Prints, per round and as the median of --rounds: total time, messages/s, the workers' peak
memory, and what the SMTP server received: duplicates and missing recipients (both must be 0),
with the load average beside.

Not run in CI. Uses its own database beside DATABASE_URL's (PostgreSQL:
`newsroom_bench_newsletter` on the same server, created and migrated here; SQLite: a temporary
file), so it never touches real subscribers:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom \
        .venv/bin/python scripts/bench_newsletter.py
    ... scripts/bench_newsletter.py --subscribers 2000 --rounds 1      # a quick look
"""

import argparse
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench import fresh_database_url  # scripts/ is on the path when run as a script

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "newsroom_bench_newsletter"
GOAL_SECONDS = 300  # issue 26: all 100,000 in under 5 minutes


MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class Counting:
    """aiosmtpd handler: counts each recipient's messages and each (recipient, Message-ID)."""

    def __init__(self):
        self.received = Counter()
        self.pairs = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        head = envelope.original_content.partition(b"\r\n\r\n")[0]
        found = MESSAGE_ID.search(head)
        message_id = found.group(1).decode() if found else ""
        with self.lock:
            self.received.update(envelope.rcpt_tos)
            self.pairs.update((to, message_id) for to in envelope.rcpt_tos)
        return "250 OK"


def sink(port: int, pipe):
    """The SMTP server, in a process of its own (its CPU is measured apart from the workers').
    Answers "count", "clear" and "report" on `pipe`."""
    from aiosmtpd.controller import Controller

    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    while True:
        command = pipe.recv()
        with handler.lock:
            if command == "count":
                pipe.send(sum(handler.received.values()))
            elif command == "clear":
                handler.received.clear()
                handler.pairs.clear()
                pipe.send(cpu_seconds(os.getpid()))
            elif command == "report":
                pipe.send((handler.received, handler.pairs, cpu_seconds(os.getpid())))
            else:
                break
    controller.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections a batch uses")
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.3,
        help="kill a worker after this share is sent (0: never)",
    )
    parser.add_argument("--lease", type=int, default=40, help="seconds a batch holds its rows")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--verbosity", type=int, default=0, help="the workers' -v")
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    sys.path.insert(0, str(BASE_DIR / "tests" / "articles" / "newsletters"))
    from smtp import free_port

    port = free_port()
    pipe, child_end = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=sink, args=(port, child_end), daemon=True
    )
    server.start()
    pipe.send("count")
    pipe.recv()  # the server is listening

    env = {
        **os.environ,
        "DATABASE_URL": fresh_database_url(BENCH_DB),
        "NEWSROOM_TASKS": "database",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get(
            "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
        ),
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(port),
        "NEWSROOM_NEWSLETTER_BATCH_SIZE": str(args.batch_size),
        "NEWSROOM_NEWSLETTER_CONNECTIONS": str(args.connections),
        "NEWSROOM_NEWSLETTER_PARALLEL_BATCHES": str(args.workers),
        "NEWSROOM_NEWSLETTER_LEASE_SECONDS": str(args.lease),
    }
    env.pop("REDIS_URL", None)
    env.pop("NEWSROOM_NEWSLETTER_EMAIL_BACKEND", None)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True
    )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from articles.models import Article, Section
    from articles.newsletters import services
    from articles.newsletters.models import (
        Delivery,
        Issue,
        IssueStatus,
        Newsletter,
        Subscriber,
        Subscription,
    )

    section, _ = Section.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    stories = [
        Article.objects.create(
            headline=f"Bench story {n}",
            slug=f"bench-story-{n}",
            standfirst="A sentence of summary, as the newsletter shows it.",
            body="<p>Body.</p>",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        for n in range(6)
    ]
    newsletter = Newsletter.objects.create(name="Bench briefing", slug="bench")
    print(f"seeding {args.subscribers:,} subscribers…", flush=True)
    for start in range(0, args.subscribers, 10_000):
        emails = [
            f"r{n}@bench.example" for n in range(start, min(start + 10_000, args.subscribers))
        ]
        Subscriber.objects.bulk_create([Subscriber(email=e) for e in emails], batch_size=5000)
        ids = Subscriber.objects.filter(email__in=emails).values_list("pk", flat=True)
        Subscription.objects.bulk_create(
            [
                Subscription(
                    subscriber_id=pk,
                    newsletter=newsletter,
                    status="active",
                    consent_form="bench",
                    consent_wording_version="bench",
                )  # fmt: skip
                for pk in ids
            ],
            batch_size=5000,
        )
    editor = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    command = [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay"]
    command += ["--interval", "0.1", f"-v{args.verbosity}", "--queue-name", "*"]

    results = []
    print(
        f"database: {connection.vendor}; workers: {args.workers}; batch: {args.batch_size}; "
        f"connections per batch: {args.connections}"
    )
    for round_no in range(1, args.rounds + 1):
        pipe.send("clear")
        sink_cpu_before = pipe.recv()
        worker_cpu = {}
        DBTaskResult.objects.all().delete()
        issue = Issue.objects.create(newsletter=newsletter, subject=f"Bench round {round_no}")
        services.set_issue_articles(issue=issue, article_ids=[s.pk for s in stories])
        workers = [
            subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603
            for _ in range(args.workers)
        ]
        peak = {}
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        started = time.monotonic()
        services.start_send(issue=issue, by=editor)  # autocommit: enqueued at once
        killed = args.kill_at <= 0
        while True:
            time.sleep(0.5)
            for process in workers:
                peak[process.pid] = max(peak.get(process.pid, 0), peak_rss_kb(process.pid))
                worker_cpu[process.pid] = max(
                    worker_cpu.get(process.pid, 0), cpu_seconds(process.pid)
                )
            pipe.send("count")
            sent = pipe.recv()
            if not killed and sent >= args.kill_at * args.subscribers:
                victim = workers.pop(0)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                workers.append(subprocess.Popen(command, cwd=BASE_DIR, env=env))  # noqa: S603
                killed = True
                print(f"  killed worker {victim.pid} after {sent:,} messages", flush=True)
            status = Issue.objects.filter(pk=issue.pk).values_list("status", flat=True)[0]
            if status == IssueStatus.SENT or time.monotonic() - started > args.timeout:
                break
        seconds = time.monotonic() - started
        for process in workers:
            worker_cpu[process.pid] = max(worker_cpu.get(process.pid, 0), cpu_seconds(process.pid))
            process.terminate()
        for process in workers:
            process.wait()
        pipe.send("report")
        received, pairs, sink_cpu = pipe.recv()
        sink_cpu -= sink_cpu_before
        expected = {f"r{n}@bench.example" for n in range(args.subscribers)}
        duplicates = sum(count - 1 for count in received.values() if count > 1)
        duplicate_ids = sum(count - 1 for count in pairs.values() if count > 1)
        no_id = sum(count for (_, mid), count in pairs.items() if not mid)
        missing = len(expected - set(received))
        failed = Delivery.objects.filter(issue=issue).exclude(status="sent").count()
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        results.append(seconds)
        print(
            f"round {round_no}: {args.subscribers:,} recipients in {seconds:.1f} s "
            f"({args.subscribers / seconds:,.0f}/s); peak worker RSS "
            f"{max(peak.values(), default=0) / 1024:.0f} MB; received {sum(received.values()):,}; "
            f"duplicates {duplicates} (by Message-ID {duplicate_ids}, without one {no_id}); "
            f"missing {missing}; rows not sent {failed}; "
            f"status {status}; CPU per message: workers "
            f"{sum(worker_cpu.values()) * 1000 / max(1, sum(received.values())):.2f} ms, "
            f"SMTP server {sink_cpu * 1000 / max(1, sum(received.values())):.2f} ms; "
            f"load avg {load_before} at the start, {load} at the end",
            flush=True,
        )
    median = statistics.median(results)
    at_100k = median * 100_000 / args.subscribers  # linear: a message costs the same each time
    verdict = "within" if at_100k < GOAL_SECONDS else "over"
    print(
        f"median of {len(results)}: {median:.1f} s; at this rate 100,000 take {at_100k:.0f} s "
        f"({verdict} the {GOAL_SECONDS} s goal)"
    )
    pipe.send("stop")
    server.join()


if __name__ == "__main__":
    main()
