"""Each query of an uncached page, timed: in-process wall time per request and per query, and
PostgreSQL's own execution time (EXPLAIN ANALYZE, best of 20, parallel workers off as in the
app's `DATABASE_PARALLEL_WORKERS=0`).

    make bench-queries                                  # after `make bench` seeded 5,000
    make bench-queries ARGS="--articles 100000 /tags/bulk-topic-7/ /?page=100"

The per-query figures in docs/operations.md ("Scale, fifth round") come from here.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/?page=100", "/tags/bulk-topic-7/", "/sections/bulk-section-2/"]
REQUESTS, WARMUP = 30, 6  # warm past DATABASE_PREPARE_THRESHOLD (5): prepared reads are timed


def child(paths):
    import django

    django.setup()
    import psycopg
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    server = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    server.execute("SET max_parallel_workers_per_gather = 0")
    seen = []  # (sql, params, ms) of the request being timed

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append((sql, params, (time.perf_counter() - start) * 1000))

    for path in paths:
        totals, per_query = [], {}
        for i in range(WARMUP + REQUESTS):
            seen.clear()
            with connection.execute_wrapper(timed):
                start = time.perf_counter()
                status = client.get(path).status_code
                elapsed = (time.perf_counter() - start) * 1000
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            if i >= WARMUP:
                totals.append(elapsed)
                for sql, params, ms in seen:  # matched by their text, not their position
                    per_query.setdefault(sql, (params, []))[1].append(ms)
        print(f"{path}: {statistics.median(totals):.2f} ms a request (median of {REQUESTS})")
        for sql, (params, times) in per_query.items():
            best = min(
                float(row[0].split()[2])
                for row in (
                    server.execute(f"EXPLAIN (ANALYZE) {sql}", params).fetchall()[-1]
                    for _ in range(20)
                )
            )
            print(f"  {statistics.median(times):6.3f} ms in-process, {best:6.3f} ms executing  "
                  f"{' '.join(sql.split())[:70]}")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("paths", nargs="*", default=PAGES)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench  # the benchmark's own settings for its child processes

    database = f"postgres://postgres@127.0.0.1:5432/newsroom_bench_{args.articles}"
    with tempfile.TemporaryDirectory(prefix="newsroom-queries-") as workdir:
        env = bench.environment(types.SimpleNamespace(database_url=database), workdir)
        bench.manage(env, "collectstatic", "--noinput", "-v0")
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", *args.paths], cwd=ROOT, env=env, check=True
        )


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.path.insert(0, str(ROOT))
        child(sys.argv[sys.argv.index("--child") + 1 :])
    else:
        main()
