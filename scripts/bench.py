"""Reader-page benchmark: queries per page and requests/s under gunicorn, on loopback only.

Usage: make bench   (or .venv/bin/python scripts/bench.py [--requests 400] [--concurrency 8])
Uses a throwaway SQLite database with the demo content unless DATABASE_URL is set.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = "/2025/08/10/china-advocates-for-global-ai-cooperation-amid-us-deregulation-moves/"
PAGES = {
    "home": "/",
    "article": SEED,
    "tag": "/tags/artificial-intelligence/",
    "author": "/authors/daniel-reyes/",
    "section": "/sections/technology/",
    "feed": "/feed/",
    "feed-atom": "/feed/atom/",
    "section-feed": "/sections/technology/feed/",
    "sitemap-index": "/sitemap.xml",
    "sitemap-articles": "/sitemap-articles.xml",
    "robots": "/robots.txt",
}
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8765"))


def environment(workdir):
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    env.update(
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS=HOST,
        MEDIA_ROOT=str(Path(workdir) / "media"),
        STATIC_ROOT=str(Path(workdir) / "static"),
    )
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def queries_per_page(env):
    code = (
        "import django,json;django.setup();"
        "from django.db import connection;from django.test import Client;"
        "from django.test.utils import CaptureQueriesContext;"
        f"pages={PAGES!r};c=Client(HTTP_HOST='{HOST}');out={{}}\n"
        "for name,url in pages.items():\n"
        "    with CaptureQueriesContext(connection) as ctx:\n"
        "        r=c.get(url)\n"
        "    out[name]=(r.status_code,len(ctx))\n"
        "print(json.dumps(out))"
    )
    env = {**env, "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def hit(path):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Host": HOST})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - start


def wait_for_server(deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if hit("/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = environment(workdir)
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo")
        manage(env, "collectstatic", "--noinput", "-v0")
        print("Queries per page (status, queries):")
        for name, (status, count) in queries_per_page(env).items():
            print(f"  {name:<16} {status}  {count} queries")
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable, "-m", "gunicorn", "newsroom.wsgi",
                "--bind", f"{HOST}:{PORT}", "--workers", str(args.workers),
                "--log-level", "warning",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        try:
            wait_for_server()
            print(
                f"\ngunicorn, {args.workers} workers, {args.concurrency} concurrent clients, "
                f"{args.requests} requests per page (loopback):"
            )
            for name, path in PAGES.items():
                start = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    results = list(pool.map(hit, [path] * args.requests))
                elapsed = time.perf_counter() - start
                latencies = sorted(latency for _, latency in results)
                errors = sum(status != 200 for status, _ in results)
                p95 = latencies[int(len(latencies) * 0.95) - 1]
                print(
                    f"  {name:<16} {args.requests / elapsed:7.1f} req/s   "
                    f"p50 {statistics.median(latencies) * 1000:6.1f} ms   "
                    f"p95 {p95 * 1000:6.1f} ms   errors {errors}"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
