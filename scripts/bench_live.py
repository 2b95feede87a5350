"""Live coverage at breaking-news traffic: N polling readers through Varnish while an editor posts.

Usage:  .venv/bin/python scripts/bench_live.py                 (2,000 readers, 60 s)
        .venv/bin/python scripts/bench_live.py --readers 500 --duration 40

Starts gunicorn (the app, page cache off: every miss is an origin request) and varnishd with
the shipped VCL (deploy/varnish/default.vcl) on loopback ports 18300-18349, against
PostgreSQL (`--database-url`, default postgres://postgres@127.0.0.1:5432/newsroom_livebench;
created, migrated and given the demo's live story on first use). Readers are simulated in one
asyncio loop, each on its own keep-alive connection, polling the live story's one shared URL
(/live/<id>/v/<version>/) at the interval each reply sets, at random phases. This process posts
an entry every `--every` seconds through the services (the purge reaches Varnish at once:
tasks run inline here). Prints: origin poll requests per entry (from gunicorn's access log;
goal <= 2), the polls' p50/p99, the time from post to visible in a reader (goal <= poll interval
+ 2 s), and the load average before and after.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import bench  # noqa: E402 (scripts/ is on the path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
VARNISH_PORT, APP_PORT = 18300, 18301  # this range: 18300-18349


def environment(args, workdir):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        STATIC_ROOT=str(Path(workdir) / "static"),
        NEWSROOM_PAGE_CACHE="0",
        NEWSROOM_TASKS="immediate",
        NEWSROOM_PURGE_URLS=f"http://{HOST}:{VARNISH_PORT}/",
        NEWSROOM_LIVE_POLL_SECONDS=str(args.interval),
        NEWSROOM_ADMIN_MFA="0",
    )
    env.pop("REDIS_URL", None)
    return env


def ensure_database(args, env):
    bench.create_database(args.database_url)
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True
        )


def set_up_story():
    """The demo's live story (made once), set live; an editor account. Returns both."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from articles.live.management.commands.seed_live import SLUG
    from articles.live.models import LiveCoverage
    from articles.models import Author, Section
    from articles.roles import EDITOR, sync_roles

    sync_roles()
    Section.objects.get_or_create(slug="news", defaults={"name": "News"})
    Author.objects.get_or_create(slug="bench-desk", defaults={"name": "Bench Desk"})
    call_command("seed_live", stdout=open(os.devnull, "w"))  # noqa: SIM115
    editor, _ = User.objects.get_or_create(
        username="bench-live-editor", defaults={"is_staff": True}
    )
    editor.groups.add(Group.objects.get(name=EDITOR))
    coverage = LiveCoverage.objects.select_related("article").get(article__slug=SLUG)
    if coverage.state != "live":
        LiveCoverage.objects.filter(pk=coverage.pk).update(state="live", ended_at=None)
        coverage.refresh_from_db()
    return coverage, User.objects.get(pk=editor.pk)


class Stats:
    def __init__(self):
        self.latencies = []
        self.errors = 0
        self.posted = {}  # entry id -> monotonic time of the commit
        self.visible = []  # seconds from post to a reader having it
        self.polls = 0
        self.reconnects = 0
        self.by_entry = {}


async def reader(n, path_base, version, stats, stop, interval):
    """One reader: a keep-alive connection, polling at its own phase."""
    await asyncio.sleep(random.uniform(0, interval))  # noqa: S311 (a phase, not a secret)
    seen = set()
    reader_stream = writer = None
    writer_is_new = True
    while not stop.is_set():
        started = time.monotonic()
        try:
            if writer is None:
                reader_stream, writer = await asyncio.open_connection(HOST, VARNISH_PORT)
                writer_is_new = True
            else:
                writer_is_new = False
            request = (
                f"GET {path_base}{version}/ HTTP/1.1\r\nHost: {HOST}\r\n"
                "Accept: application/json\r\nAccept-Encoding: gzip\r\n\r\n"
            )
            writer.write(request.encode())
            await writer.drain()
            head = await reader_stream.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader_stream.readexactly(length)
            if b" 200 " not in head.split(b"\r\n")[0]:
                raise ValueError(head[:40])
            if b"content-encoding: gzip" in head.lower():
                import gzip

                body = gzip.decompress(body)
            data = json.loads(body)
        except (OSError, asyncio.IncompleteReadError) as error:
            reused, writer = not writer_is_new, None
            if reused and not isinstance(error, ConnectionRefusedError):
                # Varnish closes a client connection idle for timeout_idle (5 s), shorter
                # than the poll interval, as a browser's would be: open a new one at once.
                stats.reconnects += 1
                continue
            stats.errors += 1
            await asyncio.sleep(1)
            continue
        except ValueError:
            stats.errors += 1
            writer = None
            await asyncio.sleep(1)
            continue
        now = time.monotonic()
        stats.latencies.append(now - started)
        stats.polls += 1
        for entry in data.get("entries", []):
            if entry["id"] not in seen and entry["id"] in stats.posted:
                seen.add(entry["id"])
                delay = now - stats.posted[entry["id"]]
                stats.visible.append(delay)
                stats.by_entry.setdefault(entry["id"], []).append(delay)
        version = data["v"]
        wait = data.get("interval", interval) - (time.monotonic() - started)
        try:
            await asyncio.wait_for(stop.wait(), timeout=max(0.05, wait))
        except TimeoutError:
            pass
    if writer is not None:
        writer.close()


def editor_loop(coverage, editor, stats, every, duration, done):
    from django.db import close_old_connections

    from articles.live import services

    count = 0
    end = time.monotonic() + duration
    while time.monotonic() < end and not done.is_set():
        count += 1
        entry = services.post_entry(
            coverage=coverage, by=editor, headline=f"Bench {count}",
            body=f"Bench entry {count} at {time.time():.3f}", publish=True,
        )  # fmt: skip
        # The services purge after the commit (inline here): the entry is visible from now.
        stats.posted[entry.pk] = time.monotonic()
        done.wait(every)
    close_old_connections()
    return count


def origin_polls(log: Path, path_base: str) -> int:
    if not log.exists():
        return 0
    return sum(path_base in line for line in log.read_text().splitlines())


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


async def run_readers(args, path_base, version, stats, stop):
    tasks = [
        asyncio.create_task(reader(n, path_base, version, stats, stop, args.interval))
        for n in range(args.readers)
    ]
    await asyncio.gather(*tasks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=60, help="seconds of posting")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between entries")
    parser.add_argument("--interval", type=int, default=10, help="the poll interval (s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_livebench"
        ),
    )
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="newsroom-bench-live-")
    os.chmod(workdir, 0o755)  # noqa: S103 varnishd's compiler runs as another user
    env = environment(args, workdir)
    ensure_database(args, env)
    os.environ.update(env)
    import django

    django.setup()
    coverage, editor = set_up_story()
    path_base = f"/live/{coverage.article_id}/v/"

    from tests.servers import Servers

    servers = Servers(prefix="newsroom-bench-live-")
    access_log = Path(workdir) / "access.log"
    servers.start(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", f"{HOST}:{APP_PORT}",
         "--workers", str(args.workers), "--threads", "4", "--log-level", "warning",
         "--access-logfile", str(access_log)],
        APP_PORT, env=env,
    )  # fmt: skip
    servers.start_varnish(VARNISH_PORT, app_port=APP_PORT)
    load_before = os.getloadavg()
    stats = Stats()
    try:
        time.sleep(2)  # Varnish's health probe marks the app healthy
        before = origin_polls(access_log, path_base)
        stop_async = None
        done = threading.Event()
        loop = asyncio.new_event_loop()

        async def start():
            nonlocal stop_async
            stop_async = asyncio.Event()
            return await run_readers(args, path_base, coverage.version, stats, stop_async)

        thread = threading.Thread(target=lambda: loop.run_until_complete(start()))
        thread.start()
        time.sleep(args.interval + 1)  # every reader has polled once: the steady state
        warm = origin_polls(access_log, path_base)
        idle_polls = stats.polls
        posted = editor_loop(coverage, editor, stats, args.every, args.duration, done)
        time.sleep(args.interval + 2)  # the last entry reaches every reader
        loop.call_soon_threadsafe(stop_async.set)
        thread.join(timeout=args.interval + 30)
        load_after = os.getloadavg()
        origin = origin_polls(access_log, path_base) - warm
    finally:
        servers.stop()
    expected = args.readers * posted
    print(
        f"Live benchmark: {args.readers} readers polling every {args.interval} s through "
        f"Varnish (shipped VCL), an entry every {args.every:g} s for {args.duration} s "
        f"({posted} entries); gunicorn x{args.workers}, page cache off"
    )
    print(f"  load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print(
        f"  polls: {stats.polls} ({idle_polls} in the warm-up), errors: {stats.errors}, "
        f"reconnects after Varnish's idle timeout: {stats.reconnects}"
    )
    print(f"  origin poll requests during warm-up: {warm - before}")
    print(f"  origin poll requests per entry: {origin / max(posted, 1):.2f} (goal <= 2)")
    lat = stats.latencies
    print(f"  poll latency p50 {pct(lat, 50) * 1000:.1f} ms, p99 {pct(lat, 99) * 1000:.1f} ms")
    vis = stats.visible
    print(
        f"  post to visible: p50 {pct(vis, 50):.2f} s, p99 {pct(vis, 99):.2f} s, "
        f"max {max(vis, default=float('nan')):.2f} s over {len(vis)} of {expected} "
        f"(reader, entry) pairs (goal <= {args.interval + 2} s)"
    )
    slowest = [f"{max(d):.1f}" for _, d in sorted(stats.by_entry.items())]
    print(f"  slowest reader per entry (s): {' '.join(slowest)}")
    print(f"  load average after:  {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
