"""The reading-figures beacon against the bare-Django floor, on loopback only (docs/analytics.md).

Usage:  .venv/bin/python scripts/bench_beacon.py                 (3 rounds of 10 s)
        .venv/bin/python scripts/bench_beacon.py --rounds 1 --duration 2    (a smoke run)

Starts two gunicorn servers with `--workers` workers each: the project (`newsroom.wsgi`, its
whole middleware stack, hits kept in Redis) and the floor (`scripts/bench_floor.py`: a bare
Django view behind the default middleware of a new project, answering 204 like the beacon). wrk
POSTs the beacon's own form body to each, alternating rounds; a flusher process writes the
hits into the database every second meanwhile, as the worker's recurring job would. Prints
the median req/s of the rounds, p50/p99, errors, the beacon's share of the floor, whether the
flush kept up (views written = hits answered) and its slowest pass, with the load average
beside. Needs wrk and a Redis server (`--redis-url`, its own database; keys under a prefix of
this run, deleted at the end). The database is a throwaway SQLite file unless
`--database-url` names one.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import DEFAULT_MIDDLEWARE, HOST, ROOT, Servers  # noqa: E402

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
FLUSHER = r"""
import json, os, sys, time
import django
django.setup()
from articles.analytics import services
stop, slowest, written = sys.argv[1], 0.0, 0
while True:
    last = os.path.exists(stop)
    started = time.perf_counter()
    written += services.flush()
    slowest = max(slowest, time.perf_counter() - started)
    if last:
        break
    time.sleep(1)
print(json.dumps({"written": written, "slowest": slowest}))
"""
SETUP = r"""
import django
django.setup()
from articles.models import Article, Section
from django.utils import timezone
section, _ = Section.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
article = Article.objects.filter(slug="beacon-bench").first() or Article.objects.create(
    headline="Beacon bench", slug="beacon-bench", section=section, body="<p>Bench.</p>",
    status="published", published_at=timezone.now(),
)
print(article.pk)
"""


def floor_view(request, rest=""):
    from django.http import HttpResponse

    return HttpResponse(status=204 if request.method == "POST" else 200)


urlpatterns = []


def floor():
    """The floor's WSGI application (`gunicorn 'bench_beacon:floor()'`): a bare Django view
    answering 204 behind the default middleware of a new project, CSRF-exempt as the beacon's
    endpoint is."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-floor-only-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS=[HOST, "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=DEFAULT_MIDDLEWARE,
        INSTALLED_APPS=[
            "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
            "django.contrib.messages",
        ],
        DATABASES={},
        USE_TZ=True,
    )  # fmt: skip
    urlpatterns.append(path("<path:rest>", csrf_exempt(floor_view)))
    urlpatterns.append(path("", csrf_exempt(floor_view)))
    return get_wsgi_application()


def wrk(url, args, body):
    """(req/s, p50 ms, p99 ms, non-2xx, requests) from wrk POSTing `body` to `url`."""
    script = Path(args.workdir) / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["User-Agent"] = "{FIREFOX}"\n'
        'wrk.headers["Sec-Fetch-Site"] = "same-origin"\n'
    )
    out = subprocess.run(  # noqa: S603
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
         "-s", str(script), url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))

    def ms(pct):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\b", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return rate, ms(50), ms(99), int(bad.group(1)) if bad else 0, total, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port-base", type=int, default=18151)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    args.workdir = tempfile.mkdtemp(prefix="bench-beacon-")
    prefix = f"bench-beacon-{os.getpid()}:"
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url or f"sqlite:///{args.workdir}/bench.sqlite3",
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        STATIC_ROOT=str(Path(args.workdir) / "static"),
        NEWSROOM_PAGE_CACHE="0",
        NEWSROOM_ANALYTICS_REDIS_URL=args.redis_url,
        NEWSROOM_ANALYTICS_REDIS_PREFIX=prefix,
        NEWSROOM_ANALYTICS_HONOUR_DNT="0",
    )
    env.pop("REDIS_URL", None)
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)  # noqa: S603
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], **run)  # noqa: S603
    found = subprocess.run([sys.executable, "-c", SETUP], capture_output=True, text=True, **run)  # noqa: S603
    article = int(found.stdout.split()[-1])
    app_port, floor_port = args.port_base, args.port_base + 1
    servers = Servers()
    stop = Path(args.workdir) / "stop"
    try:
        for name, app, port, cwd, extra in (
            ("app", "newsroom.wsgi", app_port, ROOT, {}),
            ("floor", "bench_beacon:floor()", floor_port, ROOT / "scripts", {}),
        ):  # fmt: skip
            server_env = {**env, **extra}
            if name == "floor":
                server_env.pop("DJANGO_SETTINGS_MODULE")
            cmd = [sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{port}",
                   "--workers", str(args.workers), "--log-level", "warning"]  # fmt: skip
            url = (
                f"http://{HOST}:{port}/" if name == "floor" else f"http://{HOST}:{port}/robots.txt"
            )
            servers.start(name, cmd, env=server_env, cwd=cwd, url=url)
        flusher = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", FLUSHER, str(stop)], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        body = f"t=view&a={article}&r=news.example.org"
        floor, beacon = [], []
        for _ in range(args.rounds):
            floor.append(wrk(f"http://{HOST}:{floor_port}/analytics/hit", args, body))
            beacon.append(wrk(f"http://{HOST}:{app_port}/analytics/hit", args, body))
        stop.write_text("")
        flushed = json.loads(flusher.communicate(timeout=120)[0])
    finally:
        stop.write_text("")
        servers.stop_all()
        import redis

        client = redis.Redis.from_url(args.redis_url)
        names = list(client.scan_iter(match=prefix + "*"))
        if names:
            client.delete(*names)

    def summary(rounds):
        return (
            statistics.median(r[0] for r in rounds),
            statistics.median(r[1] for r in rounds),
            statistics.median(r[2] for r in rounds),
            sum(r[3] for r in rounds),
            sum(r[4] for r in rounds),
        )

    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"beacon bench: gunicorn x{args.workers}, wrk -t{args.threads} -c{args.connections} "
          f"-d{args.duration}s, {args.rounds} round(s), median; load average {load}")  # fmt: skip
    f_rate, f_p50, f_p99, f_bad, _ = summary(floor)
    b_rate, b_p50, b_p99, b_bad, b_total = summary(beacon)
    print(f"  floor (bare Django + default middleware): {f_rate:8.0f} req/s  p50 {f_p50:.2f} ms  "
          f"p99 {f_p99:.2f} ms  non-2xx {f_bad}")  # fmt: skip
    print(f"  beacon (/analytics/hit, the project):    {b_rate:8.0f} req/s  p50 {b_p50:.2f} ms  "
          f"p99 {b_p99:.2f} ms  non-2xx {b_bad}  = {b_rate / f_rate:.0%} of the floor")  # fmt: skip
    # wrk stops counting at its deadline; the servers finish what they were answering.
    kept_up = "yes" if flushed["written"] >= b_total - b_bad else "NO"
    print(f"  flush: {flushed['written']} views written for {b_total - b_bad} hits answered "
          f"(kept up: {kept_up}); slowest pass {flushed['slowest'] * 1000:.0f} ms")  # fmt: skip
    for rounds, name in ((floor, "floor"), (beacon, "beacon")):
        for found in rounds:
            if found[5]:
                print(f"  {name}: {found[5].group(0)}")


if __name__ == "__main__":
    main()
