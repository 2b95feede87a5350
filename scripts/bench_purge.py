"""Save to visible through Varnish: how long after an editor's save readers see the change.

Starts gunicorn (2 workers) and varnishd with the shipped VCL (deploy/varnish/default.vcl) on
loopback, on its own database beside DATABASE_URL's (`newsroom_bench_purge`, seeded with
`seed_bulk`), and no task worker: whatever purges Varnish is the commit's own PURGE
(articles/delivery/cache.py), the queued task never runs. For each of --edits articles: warm
its page in Varnish (a hit), save a new headline, then poll the page through Varnish until the
new headline shows; after that, 16 more reads from 4 threads. Prints per round p50/p95/max of
save-to-visible and the origin fetches per purged URL (Varnish's MAIN.backend_req for that
article, hoping for 1), with the load average beside; then the median of rounds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom .venv/bin/python scripts/bench_purge.py
    ... scripts/bench_purge.py --edits 50 --rounds 3 --articles 500
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import Servers, gunicorn_command, varnish_missing  # noqa: E402

BENCH_DB = "newsroom_bench_purge"
APP_PORT, VARNISH_PORT = 18510, 18511


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must be a PostgreSQL URL (the bench database goes beside it)")
    server, _, _name = url.rpartition("/")
    admin = f"{server}/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {BENCH_DB}", f"CREATE DATABASE {BENCH_DB}"):
        subprocess.run(["psql", admin, "-qc", sql], check=True)  # noqa: S603, S607
    return f"{server}/{BENCH_DB}"


UNAVAILABLE = []  # 503s from Varnish (its health probe flapping on a loaded machine)


def fetch(path) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{VARNISH_PORT}{path}", headers={"Host": "127.0.0.1"}
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                return response.read().decode()
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                raise
            UNAVAILABLE.append(path)
            time.sleep(0.05)
    raise RuntimeError(f"{path}: Varnish kept answering 503")


def backend_requests(servers) -> int:
    out = subprocess.run(  # noqa: S603
        ["varnishstat", "-1", "-n", str(servers.workdir / "n"), "-f", "MAIN.backend_req"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.split()[1])


def read_four(path):
    for _ in range(4):
        fetch(path)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def one_round(articles, servers, number, transaction):
    delays, fetches = [], []
    for article in articles:
        path = article.get_absolute_url()
        fetch(path)
        fetch(path)  # a hit from here on
        before = backend_requests(servers)
        headline = f"Edited headline {number}-{article.pk}-{time.monotonic_ns()}"
        started = time.monotonic()
        with transaction.atomic():
            article.headline = headline
            article.save()
        while headline not in fetch(path):
            if time.monotonic() - started > 10:
                raise RuntimeError(f"{path} still shows the old headline after 10 s")
        delays.append((time.monotonic() - started) * 1000)
        readers = [threading.Thread(target=read_four, args=(path,)) for _ in range(4)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        fetches.append(backend_requests(servers) - before)
    return delays, fetches


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--articles", type=int, default=500)
    args = parser.parse_args()
    if varnish_missing():
        sys.exit("varnishd and varnish-modules (xkey) are needed")

    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "NEWSROOM_TASKS": "database",
        "NEWSROOM_PAGE_CACHE": "0",  # Varnish alone: every miss reaches the app
        "NEWSROOM_PURGE_URLS": f"http://127.0.0.1:{VARNISH_PORT}/",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECRET_KEY": os.environ.get(
            "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
        ),
    }
    env.pop("REDIS_URL", None)
    servers = Servers(prefix="newsroom-bench-purge-")
    env["STATIC_ROOT"] = str(servers.workdir / "static")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(  # noqa: S603
        [*manage, "seed_bulk", "--articles", str(args.articles)], cwd=ROOT, env=env, check=True
    )
    # As a deploy does: every live article's kept markup, so misses render like production's.
    subprocess.run([*manage, "render_markup"], cwd=ROOT, env=env, check=True)  # noqa: S603
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.db import transaction

    from articles.models import Article

    try:
        servers.start(gunicorn_command(APP_PORT, workers=2), APP_PORT, env)
        servers.start_varnish(VARNISH_PORT, app_port=APP_PORT)
        for _ in range(5):
            fetch("/")
        UNAVAILABLE.clear()
        articles = list(Article.objects.published().order_by("-published_at")[: args.edits])
        print(
            f"save-to-visible through Varnish: {len(articles)} edits a round, "
            f"{args.articles} articles, gunicorn x2, no task worker (the commit's own purge)"
        )
        print("round   p50 ms   p95 ms   max ms   origin fetches/purged URL (mean, max)   load")
        results = []
        for number in range(1, args.rounds + 1):
            delays, fetches = one_round(articles, servers, number, transaction)
            load = os.getloadavg()[0]
            row = (
                statistics.median(delays),
                percentile(delays, 0.95),
                max(delays),
                statistics.mean(fetches),
                max(fetches),
                load,
            )
            results.append(row)
            print(
                f"{number:>5}   {row[0]:6.1f}   {row[1]:6.1f}   {row[2]:6.1f}   "
                f"{row[3]:.2f}, {row[4]}{'':>30}{row[5]:.2f}"
            )
        median = sorted(results, key=lambda r: r[1])[len(results) // 2]
        print(
            f"median round (by p95): p50 {median[0]:.1f} ms, p95 {median[1]:.1f} ms, "
            f"origin fetches per purged URL {median[3]:.2f} (max {median[4]}), "
            f"load average {median[5]:.2f}"
        )
        print(f"503s from Varnish while polling (probe flapping under load): {len(UNAVAILABLE)}")
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
