"""Reader-page benchmark against the framework floor, on loopback only (see docs/operations.md).

Usage:  make bench                       (5,000 articles, 500 tags, 50 authors)
        make bench ARGS="--articles 100000"
        .venv/bin/python scripts/bench.py --help

Needs PostgreSQL (`BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/newsroom_bench_N;
created and seeded deterministically on first use, reused after), gunicorn, wrk, valgrind,
redis-server, and for the proxy figures varnishd (+ varnish-modules) and nginx. Prints, per
page: queries, CPU instructions per request (callgrind, in-process test client, warmup then
N requests, the difference of two dumps), wrk req/s and p50/p99, and each figure's share of
the bare-Django floor measured in the same round (`--rounds` rounds of the floor then every
page; each figure is the round with the median share of its floor, and that round's own floor
and load average are printed beside it). req/s on a shared machine is noisy; the instruction
counts are not. The content API's list and detail are measured like the pages.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Seven loopback ports from BENCH_PORT_BASE (or --port-base): app, cached, floor, floor_mw, …
PORT_NAMES = ("app", "cached", "floor", "floor_mw", "nginx", "varnish", "redis")
PORTS = {name: 18101 + n for n, name in enumerate(PORT_NAMES)}
LISTINGS = ("home", "home p100", "tag", "section")  # p99 compared across data-set sizes
HIT_PAGES = ("article", "home", "api list", "api detail")
BASE_ARTICLES = 5000
SCALE_LIMIT = 1.5
RESULTS = ROOT / ".bench"
# The middleware of a new `startproject`: the floor with middleware (bench_floor, bench_beacon).
DEFAULT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
SEED_SLUG = "china-advocates-for-global-ai-cooperation-amid-us-deregulation-moves"
CHILD = r"""
import json, os, re, sys, time
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from articles.models import Article
mode, warmup, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pages = json.loads(sys.argv[4])
client = Client(HTTP_HOST="127.0.0.1")
if mode == "urls":
    article = Article.objects.get(slug=%(seed)r)
    print(json.dumps({"article": article.get_absolute_url(), "id": article.pk}))
    sys.exit()
SCAN = re.compile(r"Index (?:Only )?Scan (?:Backward )?using (\w+)")
def indexes(plan):
    return ",".join(sorted(set(SCAN.findall(plan))))
if mode == "explain":
    from articles.models import Tag
    from articles.pages.reads import Cards, reader_cursor
    from articles.views import PAGE_SIZE
    out = {}
    tag = Tag.objects.get(slug="bulk-topic-7")
    for label, cards, page in (("home page 1", Cards(), 1), ("home page 100", Cards(), 100),
                               ("tag page 1", Cards(tag=tag), 1)):
        start = (page - 1) * PAGE_SIZE
        captured = []  # the cards' SQL and parameters, as the page runs them
        def grab(execute, sql, params, many, context):
            captured.append((sql, params))
            return execute(sql, params, many, context)
        with connection.execute_wrapper(grab):
            cards[start : start + PAGE_SIZE + 1]
        with reader_cursor(connection) as cursor:  # the reads bind on the server
            cursor.execute("EXPLAIN ANALYZE " + captured[-1][0], captured[-1][1])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        out[label] = {
            "ms": float(plan.rsplit("Execution Time: ", 1)[1].split()[0]),
            "sorts": "Sort Method" in plan,
            "index": indexes(plan),
        }
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    request = RequestFactory().get("/")
    request.user = get_user_model()(username="bench-explain", is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[Article]
    for label, query in (("admin changelist", {}),
                         ("admin status=published", {"status": "published"}),
                         ("admin one section", {"section__slug": "bulk-section-2"})):
        qs = model_admin.get_queryset(request).filter(**query)
        qs = qs.select_related("section").defer("body", "body_blocks")
        plan = qs.order_by("-published_at", "-pk")[:100].explain(analyze=True)
        out[label] = {
            "ms": float(plan.rsplit("Execution Time: ", 1)[1].split()[0]),
            "sorts": "Sort Method" in plan,
            "index": indexes(plan),
            "seq": "Seq Scan on articles_article" in plan,
        }
    print(json.dumps(out))
    sys.exit()
if mode == "admin":
    from django.contrib.auth import get_user_model
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    client.force_login(user)
out = {}
for name, url in pages.items():
    for _ in range(warmup):
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    out[name] = {"queries": len(ctx), "bytes": len(response.content)}
    if mode in ("admin", "times"):
        times = []
        for _ in range(count):
            start = time.perf_counter(); client.get(url); times.append(time.perf_counter() - start)
        out[name]["ms"] = sorted(times)[len(times) // 2] * 1000
if mode == "callgrind":  # uncached: the page cache is off (NEWSROOM_PAGE_CACHE=0)
    for name, url in pages.items():
        os.getppid()  # callgrind dumps here (--dump-before=os_getppid)
        for _ in range(count):
            client.get(url)
    os.getppid()
if mode == "callgrind-hits":  # the same pages as application-cache hits (Redis)
    settings.NEWSROOM_PAGE_CACHE = True
    for name, url in pages.items():
        for _ in range(warmup):
            client.get(url)
    for name, url in pages.items():
        os.getppid()
        for _ in range(count):
            assert client.get(url)["X-Page-Cache"] == "hit"
    os.getppid()
print(json.dumps(out))
""" % {"seed": SEED_SLUG}  # noqa: UP031


def environment(args, workdir, **extra):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        MEDIA_ROOT=str(ROOT / "media"),
        STATIC_ROOT=str(Path(workdir) / "static"),
        NEWSROOM_PAGE_CACHE="0",
        # The admin changelist is timed with a forced login: no second factor to enter.
        NEWSROOM_ADMIN_MFA="0",
        # Seeding and VACUUM ANALYZE at 100,000 articles may run past the web timeout.
        DATABASE_STATEMENT_TIMEOUT="0",
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def fresh_database_url(name: str) -> str:
    """A new, empty benchmark database `name` beside DATABASE_URL's (PostgreSQL), or a
    throwaway SQLite file when DATABASE_URL is not PostgreSQL (bench_push, bench_newsletter)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        server, _, _name = url.rpartition("/")
        admin = f"{server}/postgres"
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", admin, "-qc", sql], check=True)  # noqa: S603, S607
        return f"{server}/{name}"
    return f"sqlite:///{tempfile.mkdtemp(prefix=name + '-')}/bench.sqlite3"


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def create_database(database_url):
    """Create the PostgreSQL database `database_url` names, unless it exists."""
    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    code = (
        "import psycopg,sys\n"
        f"c=psycopg.connect({admin_url!r},autocommit=True)\n"
        f"r=c.execute('SELECT 1 FROM pg_database WHERE datname=%s',[{name!r}]).fetchone()\n"
        f"r or c.execute('CREATE DATABASE \"{name}\"')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603
    return name


def ensure_database(args, env):
    """Create and seed the benchmark database once (deterministic), then reuse it."""
    name = create_database(args.database_url)
    manage(env, "migrate", "-v0")
    probe = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django;django.setup();from articles.models import Article;"
         "print(Article.objects.filter(slug__startswith='bulk-').count())"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    have = int(probe.stdout.strip().splitlines()[-1])
    if have == 0:
        manage(env, "seed_demo")
        manage(env, "seed_bulk", "--articles", str(args.articles), "--tags", str(args.tags),
               "--authors", str(args.authors))  # fmt: skip
        manage(env, "shell", "-c", "from django.db import connection;"
               "connection.cursor().execute('VACUUM ANALYZE')")  # fmt: skip
        # Write the seeded rows out now, not while the first pages are timed (the run right
        # after seeding 100,000 articles measured listings up to 1.85x slower than later runs).
        manage(env, "shell", "-c", "from django.db import connection;"
               "connection.cursor().execute('CHECKPOINT')")  # fmt: skip
    elif have != args.articles:
        raise SystemExit(f"{name} holds {have} bulk articles, not {args.articles}: drop it first")


def child(env, mode, pages, warmup=0, count=0, prefix=()):
    result = subprocess.run(  # noqa: S603
        [*prefix, sys.executable, "-c", CHILD, mode, str(warmup), str(count), json.dumps(pages)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def callgrind(env, mode, pages, warmup, count, workdir, tag):
    """CPU instructions per request for each page: one process, a dump before each page.

    Dump 1 is start-up and warmup; dump k+1 is page k's N requests."""
    out = Path(workdir) / f"cg-{tag}"
    out.mkdir()
    prefix = ["valgrind", "--tool=callgrind", "--dump-before=os_getppid*",
              f"--callgrind-out-file={out}/cg.%p"]  # fmt: skip
    child(env, mode, pages, warmup, count, prefix=prefix)
    dumps = sorted(out.glob("cg.*.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    totals = [int(re.search(r"^totals: (\d+)", p.read_text(), re.M).group(1)) for p in dumps]
    return {name: totals[i + 1] / count for i, name in enumerate(pages)}


def floor_callgrind(workdir, body_file, middleware, warmup, count, tag):
    env = dict(os.environ, BENCH_FLOOR_BODY=str(body_file), PYTHONPATH=str(ROOT / "scripts"),
               DJANGO_SETTINGS_MODULE="", BENCH_FLOOR_MIDDLEWARE=middleware)  # fmt: skip
    code = (
        "import os,sys;import bench_floor;from django.test import Client;"
        "c=Client(HTTP_HOST='127.0.0.1');n=int(sys.argv[1]);w=int(sys.argv[2])\n"
        "for _ in range(w): c.get('/')\n"
        "os.getppid()\n"
        "for _ in range(n): c.get('/')\n"
        "os.getppid()\n"
    )
    out = Path(workdir) / f"cg-{tag}"
    out.mkdir()
    subprocess.run(  # noqa: S603
        ["valgrind", "--tool=callgrind", "--dump-before=os_getppid*",
         f"--callgrind-out-file={out}/cg.%p", sys.executable, "-c", code, str(count), str(warmup)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    dumps = sorted(out.glob("cg.*.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    return int(re.search(r"^totals: (\d+)", dumps[1].read_text(), re.M).group(1)) / count


class Servers:
    """Everything started here is stopped here, whatever happens."""

    def __init__(self):
        self.procs = []

    def start(self, name, cmd, env=None, cwd=ROOT, url=None):
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
        self.procs.append((name, proc))
        if url:
            wait_for(url)
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def stop_all(self):
        for _, proc in reversed(self.procs):
            self.stop(proc)


def wait_for(url, deadline=60):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def wrk(url, args, headers=()):
    """(req/s, p50 ms, p99 ms, non-2xx) from wrk on `url`."""
    out = subprocess.run(  # noqa: S603
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
         *(part for header in headers for part in ("-H", header)), url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(pct):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\b", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, ms(50), ms(99), int(bad.group(1)) if bad else 0, os.getloadavg()[0]


def median_round(rounds, floors):
    """Of the rounds of one figure and the floor's rounds beside them (same round, same
    moment): the round whose share of its floor is the median, as (req/s, p50, p99, every
    round's non-2xx responses, that round's floor req/s, that round's load average)."""
    paired = sorted(zip(rounds, floors, strict=True), key=lambda pair: pair[0][0] / pair[1][0])
    (rate, p50, p99, _, load), (floor_rate, *_rest) = paired[(len(paired) - 1) // 2]
    return rate, p50, p99, sum(found[3] for found in rounds), floor_rate, load


def gunicorn(servers, app, port, env, workers, cwd=ROOT):
    cmd = [sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{port}", "--workers",
           str(workers), "--log-level", "warning"]  # fmt: skip
    return servers.start(app, cmd, env=env, cwd=cwd, url=f"http://{HOST}:{port}/")


def nginx_config(workdir, port, root):
    conf = Path(workdir) / "nginx.conf"
    conf.write_text(f"""
worker_processes 2; daemon off; pid {workdir}/nginx.pid; error_log {workdir}/nginx.err;
events {{ worker_connections 1024; }}
http {{
  access_log off; client_body_temp_path {workdir}; proxy_temp_path {workdir};
  fastcgi_temp_path {workdir}; uwsgi_temp_path {workdir}; scgi_temp_path {workdir};
  server {{ listen {HOST}:{port}; root {root};
           gzip_static on;  # page.html.gz: the bytes the app sends a reader who takes gzip
           location / {{ default_type text/html; try_files /page.html =404; }} }}
}}""")
    return conf


def main():  # noqa: C901 (one linear script)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--tags", type=int, default=500)
    parser.add_argument("--authors", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per page")
    parser.add_argument(
        "--rounds", type=int, default=3, help="wrk rounds; each figure the median round"
    )
    parser.add_argument("--requests", type=int, default=20, help="callgrind requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-callgrind", action="store_true")
    parser.add_argument("--no-proxy", action="store_true", help="skip Varnish and nginx")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("BENCH_PORT_BASE", 18101)),
        help="first of seven loopback ports (default 18101, or BENCH_PORT_BASE)",
    )
    args = parser.parse_args()
    PORTS.update({name: args.port_base + n for n, name in enumerate(PORT_NAMES)})
    args.database_url = args.database_url or os.environ.get(
        "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/newsroom_bench_{args.articles}"
    )
    servers = Servers()
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as workdir:
        os.chmod(workdir, 0o755)  # varnishd and nginx workers run as other users
        try:
            run(args, workdir, servers)
        finally:
            servers.stop_all()


def run(args, workdir, servers):  # noqa: C901
    env = environment(args, workdir)
    ensure_database(args, env)
    manage(env, "collectstatic", "--noinput", "-v0")
    urls = child(env, "urls", {})
    article = urls["article"]
    pages = {
        "article": article,
        "home": "/",
        "home p100": "/?page=100",
        "tag": "/tags/bulk-topic-7/",
        "author": "/authors/bulk-author-3/",
        "section": "/sections/bulk-section-2/",
        "api list": "/api/v1/articles",
        "api detail": f"/api/v1/articles/{urls['id']}",
    }
    print(f"Newsroom benchmark: {args.articles} articles, {args.tags} tags, {args.authors} "
          f"authors; gunicorn x{args.workers}; wrk -t{args.threads} -c{args.connections} "
          f"-d{args.duration}s, the median of {args.rounds} rounds (loopback; req/s is noisy on a "
          "shared machine)\n")  # fmt: skip
    stats = child(env, "queries", pages, warmup=1)
    admin = child(env, "admin", {"changelist": "/admin/articles/article/"}, warmup=2, count=10)
    # One client, no concurrency: a steadier figure than wrk's p99 on a shared machine.
    # Warm past DATABASE_PREPARE_THRESHOLD (5) so every timed request runs prepared reads, and
    # take 30: a median of 10 swung by 1.5x between runs of the same code and data.
    times = child(env, "times", {name: pages[name] for name in LISTINGS}, warmup=6, count=30)
    for label, plan in child(env, "explain", {}).items():
        print(
            f"PostgreSQL, {label} query: {plan['ms']:.2f} ms (EXPLAIN ANALYZE), "
            f"indexes: {plan['index'] or 'none'}, sort: {plan['sorts']}"
            + (f", seq scan: {plan['seq']}" if "seq" in plan else "")
        )
    body = Path(workdir) / "page.html"

    # The floor's bytes: the article page as the app serves it.
    servers.start("redis", ["redis-server", "--port", str(PORTS["redis"]), "--bind", HOST,
                                    "--save", "", "--appendonly", "no"])  # fmt: skip
    time.sleep(0.5)
    gunicorn(servers, "newsroom.wsgi", PORTS["app"], env, args.workers)
    with urllib.request.urlopen(f"http://{HOST}:{PORTS['app']}{article}") as response:  # noqa: S310
        body.write_bytes(response.read())
    floor_env = dict(os.environ, BENCH_FLOOR_BODY=str(body))
    floor_env.pop("DJANGO_SETTINGS_MODULE", None)
    gunicorn(servers, "bench_floor:application", PORTS["floor"], floor_env, args.workers,
             cwd=ROOT / "scripts")  # fmt: skip
    gunicorn(servers, "bench_floor:application", PORTS["floor_mw"],
             {**floor_env, "BENCH_FLOOR_MIDDLEWARE": "default"}, args.workers,
             cwd=ROOT / "scripts")  # fmt: skip
    cached_env = environment(args, workdir, NEWSROOM_PAGE_CACHE="1",
                             REDIS_URL=f"redis://{HOST}:{PORTS['redis']}/0")  # fmt: skip
    gunicorn(servers, "newsroom.wsgi", PORTS["cached"], cached_env, args.workers)

    # Rounds of the floor, then every page: the machine's speed drifts (other tenants), so
    # the floor and the pages are measured side by side, and each figure is compared with its
    # own round's floor (the median of those shares is reported).
    runs = {}
    for _ in range(args.rounds):
        runs.setdefault("floor", []).append(wrk(f"http://{HOST}:{PORTS['floor']}/", args))
        runs.setdefault("floor_mw", []).append(wrk(f"http://{HOST}:{PORTS['floor_mw']}/", args))
        for name, path in pages.items():
            runs.setdefault(name, []).append(wrk(f"http://{HOST}:{PORTS['app']}{path}", args))
            # wrk stops, but the workers still serve the requests it left queued: wait until
            # one more request comes back, so the next page does not pay for this backlog.
            wait_for(f"http://{HOST}:{PORTS['app']}{path}", deadline=120)
        for name in HIT_PAGES:
            # Fill the entry first: otherwise wrk's first 16 requests all miss at once.
            wait_for(f"http://{HOST}:{PORTS['cached']}{pages[name]}", deadline=120)
            url = f"http://{HOST}:{PORTS['cached']}{pages[name]}"
            runs.setdefault(f"{name} hit", []).append(wrk(url, args))
    floor = median_round(runs["floor"], runs["floor"])
    floor_mw = median_round(runs["floor_mw"], runs["floor"])
    rows = [(name, "uncached", median_round(runs[name], runs["floor"])) for name in pages]
    rows += [(name, "app cache hit", median_round(runs[f"{name} hit"], runs["floor_mw"]))
             for name in HIT_PAGES]  # fmt: skip
    proxy = {}
    if not args.no_proxy:
        (Path(workdir) / "www").mkdir()
        shutil.copy(body, Path(workdir) / "www" / "page.html")
        gzipped = urllib.request.Request(f"http://{HOST}:{PORTS['cached']}{article}",
                                         headers={"Accept-Encoding": "gzip"})  # fmt: skip
        with urllib.request.urlopen(gzipped) as response:  # noqa: S310 (loopback)
            if response.headers["Content-Encoding"] != "gzip":
                raise SystemExit("the app did not compress the article page")
            (Path(workdir) / "www" / "page.html.gz").write_bytes(response.read())
        conf = nginx_config(workdir, PORTS["nginx"], Path(workdir) / "www")
        servers.start("nginx", ["nginx", "-c", str(conf)], url=f"http://{HOST}:{PORTS['nginx']}/")
        vcl = Path(workdir) / "default.vcl"
        vcl.write_text((ROOT / "deploy/varnish/default.vcl").read_text().replace(
            '.port = "8000"', f'.port = "{PORTS["cached"]}"'))  # fmt: skip
        servers.start("varnish", ["varnishd", "-F", "-a", f"{HOST}:{PORTS['varnish']}", "-f",
                                  str(vcl), "-n", f"{workdir}/varnish", "-s", "malloc,64m"],
                      url=f"http://{HOST}:{PORTS['varnish']}{article}")  # fmt: skip
        # Readers' browsers take gzip, and Varnish keeps the compressed object: the target
        # compares both serving those bytes. A client without gzip makes Varnish decompress
        # on every hit (shown too).
        for label, headers in (("gzip", ["Accept-Encoding: gzip"]), ("identity", [])):
            nginx = [wrk(f"http://{HOST}:{PORTS['nginx']}/", args, headers)]
            varnish = [wrk(f"http://{HOST}:{PORTS['varnish']}{article}", args, headers)]
            proxy[f"nginx static file ({label})"] = median_round(nginx, nginx)
            proxy[f"Varnish hit ({label})"] = median_round(varnish, nginx)

    print(f"{'page':<28}{'queries':>8}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'% floor':>9}"
          f"{'floor':>7}{'errors':>7}{'load':>6}")  # fmt: skip
    print(
        "(% floor: the bare floor of the same round; cache hits against the floor with "
        "Django's default middleware; load: the 1-minute load average after the round)"
    )

    def line(label, queries, result):
        rate, p50, p99, bad, base, load = result
        print(f"{label:<28}{queries:>8}{rate:9.0f}{p50:8.1f}{p99:8.1f}{rate / base * 100:8.1f}%"
              f"{base:7.0f}{bad:>7}{load:6.1f}", flush=True)  # fmt: skip

    for name, mode, result in rows:
        line(f"{name} {mode}", stats[name]["queries"] if mode == "uncached" else 0, result)
    line("bare Django view (floor)", 0, floor)
    line("  + default middleware", 0, floor_mw)
    for label, result in proxy.items():
        line(label, 0, result)
    if proxy:
        for label in ("gzip", "identity"):
            share = proxy[f"Varnish hit ({label})"][0] / proxy[f"nginx static file ({label})"][0]
            target = " (target >= 40 %)" if label == "gzip" else ""
            print(f"Varnish hit / nginx static file, article, {label}: {share * 100:.1f} %{target}")
    print(
        f"\nAdmin article changelist: {admin['changelist']['ms']:.1f} ms median of 10, "
        f"{admin['changelist']['queries']} queries (in-process test client)"
    )
    print(f"Page bytes: article {stats['article']['bytes']}, home {stats['home']['bytes']}",
          flush=True)  # fmt: skip
    wrk_by = {f"{name} {mode}": result for name, mode, result in rows}
    results = {
        "articles": args.articles,
        "p99_ms": {name: wrk_by[f"{name} uncached"][2] for name in LISTINGS},
        "changelist_ms": admin["changelist"]["ms"],
        "median_ms": {name: times[name]["ms"] for name in LISTINGS},
        "hit_share_of_floor_mw": {
            name: wrk_by[f"{name} app cache hit"][0] / wrk_by[f"{name} app cache hit"][4] * 100
            for name in HIT_PAGES
        },
        "uncached_share_of_floor": {
            name: wrk_by[f"{name} uncached"][0] / wrk_by[f"{name} uncached"][4] * 100
            for name in pages
        },
    }
    shares = results["uncached_share_of_floor"]
    print("\nContent API uncached vs the uncached article page, share of the floor (target: "
          "list and detail >= the article's):")  # fmt: skip
    for name in ("api list", "api detail"):
        verdict = "ok" if shares[name] >= shares["article"] else "UNDER"
        print(f"  {name:<12}{shares[name]:6.1f} %  article {shares['article']:6.1f} %  {verdict}")
    print("\nApplication-cache hit (Redis) vs the floor with Django's default middleware, "
          "wrk req/s (target >= 75 %):")  # fmt: skip
    for name, share in results["hit_share_of_floor_mw"].items():
        print(f"  {name:<10}{wrk_by[f'{name} app cache hit'][0]:9.0f} req/s  {share:6.1f} %")
    servers.stop_all()
    if not args.no_callgrind:
        results["instructions"] = instructions_report(args, workdir, servers, env, pages, body)
    save_and_compare(args, results)


def instructions_report(args, workdir, servers, env, pages, body):
    print(
        f"\nCPU instructions per request (callgrind, in-process test client, {args.warmup} "
        f"warmup + {args.requests} requests per page; floor = bare view / its share of it):"
    )
    floor_ir = floor_callgrind(workdir, body, "", args.warmup, args.requests, "f")
    floor_mw_ir = floor_callgrind(workdir, body, "default", args.warmup, args.requests, "fm")
    uncached = callgrind(env, "callgrind", pages, args.warmup, args.requests, workdir, "app")
    servers.start("redis", ["redis-server", "--port", str(PORTS["redis"]), "--bind", HOST,
                            "--save", "", "--appendonly", "no"])  # fmt: skip
    time.sleep(0.5)
    redis_env = {**env, "REDIS_URL": f"redis://{HOST}:{PORTS['redis']}/1"}
    hits = callgrind(redis_env, "callgrind-hits", pages, args.warmup, args.requests, workdir, "hit")
    for name, ir in uncached.items():
        print(f"  {name:<26}{ir / 1e6:8.2f} M   {floor_ir / ir * 100:6.1f} % of the floor's rate")
    print(f"  {'bare Django view (floor)':<26}{floor_ir / 1e6:8.2f} M")
    print(
        f"  {'  + default middleware':<26}{floor_mw_ir / 1e6:8.2f} M   "
        f"{floor_ir / floor_mw_ir * 100:6.1f} %"
    )
    print("Application-cache hits (Redis), instructions per request and share of the floor "
          "with default middleware (target >= 75 %):")  # fmt: skip
    for name, ir in hits.items():
        print(f"  {name + ' (cache hit)':<26}{ir / 1e6:8.2f} M   {floor_mw_ir / ir * 100:6.1f} %")
    return {
        "floor": floor_ir,
        "floor_mw": floor_mw_ir,
        "uncached": uncached,
        "hits": hits,
    }


def save_and_compare(args, results):
    """Keep this run's figures (.bench/results-N.json) and compare with the 5,000-article run."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"results-{args.articles}.json").write_text(json.dumps(results, indent=2))
    base_file = RESULTS / f"results-{BASE_ARTICLES}.json"
    if args.articles == BASE_ARTICLES:
        print(f"\nSaved as the scale baseline ({base_file}).")
        return
    if not base_file.exists():
        print(f"\n(Run with --articles {BASE_ARTICLES} too for the scale comparison.)")
        return
    base = json.loads(base_file.read_text())
    print(f"\nScale: {args.articles} vs {BASE_ARTICLES} articles (target: each <= "
          f"{SCALE_LIMIT}x; {BASE_ARTICLES}-article figures from {base_file.name})")  # fmt: skip
    print(f"  {'figure':<28}{BASE_ARTICLES:>10}{args.articles:>10}{'ratio':>8}")
    figures = [(f"{name} p99 ms", base["p99_ms"][name], results["p99_ms"][name])
               for name in LISTINGS]  # fmt: skip
    figures.append(("admin changelist ms", base["changelist_ms"], results["changelist_ms"]))
    for name in LISTINGS if "median_ms" in base else ():
        figures.append((f"{name} median ms", base["median_ms"][name], results["median_ms"][name]))
    for label, before, now in figures:
        ratio = now / before if before else float("inf")
        verdict = "ok" if ratio <= SCALE_LIMIT else "OVER"
        print(f"  {label:<28}{before:10.1f}{now:10.1f}{ratio:7.2f}x {verdict}")


if __name__ == "__main__":
    main()
