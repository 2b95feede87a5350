#!/usr/bin/env python
"""Load and faults, run by hand: wrk against gunicorn while the database and Redis fail.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_x .venv/bin/python scripts/loadfault.py

What it does (everything on 127.0.0.1, everything stops by itself):
1. migrates and seeds the database named in DATABASE_URL (PostgreSQL: its backends are what
   gets terminated), starts its own redis-server on --redis-port and gunicorn on --port with
   REDIS_URL pointing at that Redis;
2. runs wrk for --seconds (default 60) at --connections (default 64) split over the home page
   and one article page, while a probe fetches the home page every 100 ms;
3. during the run terminates every backend of that database twice (pg_terminate_backend,
   only this database's) and restarts its Redis once;
4. meanwhile --editors logged-in editors (password and TOTP code, as in production) each
   open their own story's change form, save it with a new headline and open its preview, in
   a loop with --editor-pause seconds between rounds;
5. prints wrk's requests, socket errors and non-2xx/3xx counts per page, the editors' actions
   by status with their latency, what the probe saw around each fault (status codes) and how
   long until it got a 200 again.
   (Editors are about 5% of the clients; their requests, each a full admin page or save,
   are a smaller share of the requests.)

The req/s figures depend on what else runs on the machine: compare error counts, not speed.
"""

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
from django_otp.oath import TOTP
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback only)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def probe(url, stop, log):
    """Fetch `url` every 100 ms; log (time, status) with 0 for a connection failure."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, ConnectionError, OSError):
            status = 0
        log.append((started, status))
        time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))


def terminate_backends(dsn, dbname):
    with psycopg.connect(dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        ).fetchall()
    return len(rows)


def start_redis(port, workdir):
    return subprocess.Popen(  # noqa: S603
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
    )


EDITORS_SETUP = """
import json
from django.contrib.auth.models import Group, User
from django_otp.plugins.otp_totp.models import TOTPDevice
from articles.models import Article
stories = list(Article.objects.published().order_by("pk")[:{count}])
out = []
for n, story in enumerate(stories):
    user, _ = User.objects.get_or_create(username=f"load-editor-{{n}}")
    user.is_staff = True
    user.set_password("{password}")
    user.save()
    user.groups.add(Group.objects.get(name="Editor"))
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
    out.append({{
        "username": user.username, "password": "{password}", "key": device.key,
        "article": story.pk,
    }})
print(json.dumps(out))
"""


class Editor:
    """One editor's browser: signs in (password, then TOTP), then edits their story."""

    def __init__(self, base, account):
        self.base, self.account = base, account
        self.new_session()

    def new_session(self):
        """A fresh cookie jar: a new browser session."""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(LoopbackPolicy())),
            NoRedirect(),
        )

    def fetch(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers

    def form(self, page, selector):
        form = lxml_html.fromstring(page).cssselect(selector)[0]
        return dict(form.form_values()), form

    def sign_in(self, attempt=0):
        self.new_session()
        _, page, _ = self.fetch("/admin/login/")
        values, _ = self.form(page, "#login-form")
        values.update(username=self.account["username"], password=self.account["password"])
        status, _, _ = self.fetch("/admin/login/", values)
        if status != 302:
            raise RuntimeError(f"login answered {status}")
        _, page, _ = self.fetch("/admin/mfa/")
        values, _ = self.form(page, "#mfa-form")
        # A retry uses the next step's code (accepted too): the first may have been used.
        totp = TOTP(bytes.fromhex(self.account["key"]), drift=min(attempt, 1))
        values["code"] = f"{totp.token():06d}"
        status, _, headers = self.fetch("/admin/mfa/", values)
        if status != 302 or headers["Location"] != "/admin/":
            raise RuntimeError(f"second step answered {status}")

    def round(self, n, record):
        change = f"/admin/articles/article/{self.account['article']}/change/"
        started = time.monotonic()
        status, page, _ = self.fetch(change)
        record("open form", status, started)
        if status != 200:
            return
        _, form = self.form(page, "#article_form")
        values = [(k, v) for k, v in form.form_values() if not k.startswith("_")]
        values = [(k, f"Load-test headline {n}") if k == "headline" else (k, v) for k, v in values]
        started = time.monotonic()
        status, _, _ = self.fetch(change, [*values, ("_continue", "1")])
        record("save", status, started)
        started = time.monotonic()
        status, _, _ = self.fetch(change.replace("/change/", "/preview/"))
        record("preview", status, started)


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """The site's cookies are Secure (DEBUG off); gunicorn here speaks plain HTTP on loopback."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_editor(editor, stop, pause, results):
    def record(action, status, started):
        results.append((action, status, time.monotonic() - started))

    for attempt in range(2):  # as a person would, after a 503 "back in a moment"
        started = time.monotonic()
        try:
            editor.sign_in(attempt)
            results.append(("sign in", "ok", time.monotonic() - started))
            break
        except (RuntimeError, IndexError, OSError) as exc:
            results.append(("sign in", str(exc), time.monotonic() - started))
            stop.wait(1)
    else:
        return
    n = 0
    while not stop.is_set():
        n += 1
        editor.round(n, record)
        stop.wait(pause)


def parse_wrk(text):
    def number(pattern):
        match = re.search(pattern, text)
        return int(match.group(1)) if match else 0

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return {
        "requests": number(r"(\d+) requests in"),
        "non_2xx_3xx": number(r"Non-2xx or 3xx responses: (\d+)"),
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        "req_per_s": (re.search(r"Requests/sec:\s+([\d.]+)", text) or [None, "?"])[1],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=18201)
    parser.add_argument("--redis-port", type=int, default=18250)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--editors", type=int, help="logged-in editors (default: 5%% of --connections; 0: none)"
    )
    parser.add_argument("--editor-pause", type=float, default=0.2)
    args = parser.parse_args()
    if args.editors is None:
        args.editors = max(1, round(args.connections * 0.05))
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of your own.")
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed (apt-get install wrk redis-server).")
    dbname = dsn.rsplit("/", 1)[1].split("?")[0]
    workdir = tempfile.mkdtemp(prefix="loadfault-")
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "loadfault-" + "x" * 40),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "STATIC_ROOT": os.path.join(workdir, "static"),
    }
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    subprocess.run([*manage, "seed_demo"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    article = (
        subprocess.run(  # noqa: S603
            [
                *manage,
                "shell",
                "-c",
                "from articles.models import Article;"
                "print(Article.objects.published().first().get_absolute_url())",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    accounts = []
    if args.editors:
        accounts = json.loads(
            subprocess.run(  # noqa: S603
                [
                    *manage,
                    "shell",
                    "-c",
                    EDITORS_SETUP.format(count=args.editors, password=secrets.token_urlsafe(16)),
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    base = f"http://127.0.0.1:{args.port}"
    redis = start_redis(args.redis_port, workdir)
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            PY,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "--threads",
            "4",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    stop, log, events, wrks = threading.Event(), [], [], []
    edits, editors = [], []
    try:
        wait_for(base + "/")
        wait_for(base + article)
        prober = threading.Thread(target=probe, args=(base + "/", stop, log), daemon=True)
        prober.start()
        for account in accounts:
            thread = threading.Thread(
                target=run_editor,
                args=(Editor(base, account), stop, args.editor_pause, edits),
                daemon=True,
            )
            thread.start()
            editors.append(thread)
        half = max(1, args.connections // 2)
        for url in (base + "/", base + article):
            wrks.append(
                subprocess.Popen(  # noqa: S603
                    [
                        shutil.which("wrk"),
                        "-t1",
                        f"-c{half}",
                        f"-d{args.seconds}s",
                        "--timeout",
                        "30s",
                        url,
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        t0 = time.monotonic()
        plan = [(0.25, "terminate"), (0.45, "redis"), (0.65, "terminate")]
        for at, what in plan:
            time.sleep(max(0.0, t0 + at * args.seconds - time.monotonic()))
            when = time.monotonic()
            if what == "terminate":
                count = terminate_backends(dsn, dbname)
                events.append((when, f"terminated {count} backends of {dbname}"))
            else:
                redis.send_signal(signal.SIGKILL)
                redis.wait()
                time.sleep(1)
                redis = start_redis(args.redis_port, workdir)
                events.append((when, "killed Redis, restarted it 1 s later"))
        outputs = [w.communicate(timeout=args.seconds + 30)[0] for w in wrks]
        stop.set()
        prober.join(timeout=10)
        for thread in editors:
            thread.join(timeout=35)
    finally:
        stop.set()
        for process in (*wrks, gunicorn, redis):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\n== wrk: {args.seconds} s, {args.connections} connections, "
        f"{args.workers} gunicorn workers"
    )
    total = 0
    for name, text in zip(("home", "article"), outputs, strict=True):
        figures = parse_wrk(text)
        total += figures["requests"]
        print(
            f"{name:8} requests {figures['requests']:7}  non-2xx/3xx {figures['non_2xx_3xx']:5}"
            f"  socket errors {figures['socket_errors']:4}  req/s {figures['req_per_s']}"
        )
    if accounts:
        print_editors(edits, total, len(accounts))
    statuses = {}
    for _, status in log:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"\n== probe (home page every 100 ms): {len(log)} requests, by status {statuses}")
    for when, what in events:
        window = [(t, s) for t, s in log if when - 0.5 <= t <= when + 10]
        bad = [(t, s) for t, s in window if s != 200]
        after = [t for t, s in window if t > when and s == 200]
        recovered = f"{after[0] - when:.2f} s" if after else "not within 10 s"
        codes = sorted({s for _, s in bad})
        print(
            f"t={when - t0:5.1f}s {what}: non-200 seen {len(bad)} {codes}; "
            f"first 200 after {recovered}"
        )


def print_editors(edits, reader_requests, count):
    share = 100 * len(edits) / max(1, len(edits) + reader_requests)
    print(
        f"\n== editors: {count} (password + TOTP) beside the readers' connections, "
        f"{len(edits)} requests ({share:.1f}% of all)"
    )
    for action in ("sign in", "open form", "save", "preview"):
        rows = [(status, seconds) for a, status, seconds in edits if a == action]
        if not rows:
            continue
        by_status = {}
        for status, _ in rows:
            by_status[status] = by_status.get(status, 0) + 1
        times = sorted(seconds for _, seconds in rows)
        p50, p95 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"{action:9} {len(rows):5}  by status {by_status}  "
            f"p50 {p50 * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
