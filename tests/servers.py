"""Real servers on loopback for the integration tests (test_two_servers.py, test_varnish.py).

`Servers` starts processes (gunicorn, redis-server, varnishd) with their output in log files,
waits until each listens, and stops them all; a log showing a traceback is printed on stop, so
a failing test shows what the server said.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish" / "default.vcl"


def wait_for_port(port, deadline=60.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def varnish_missing() -> bool:
    vmod = Path("/usr/lib/x86_64-linux-gnu/varnish/vmods/libvmod_xkey.so")
    return shutil.which("varnishd") is None or not (vmod.exists() or os.environ.get("VMOD_DIR"))


def redis_command(port):
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no"]  # fmt: skip


def gunicorn_command(port, workers=1):
    return [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--log-level", "warning"]  # fmt: skip


class Servers:
    """`servers = Servers()` … `servers.start(cmd, port, env)` … `servers.stop()`."""

    def __init__(self, prefix="newsroom-servers-"):
        self.workdir = Path(tempfile.mkdtemp(prefix=prefix))
        os.chmod(self.workdir, 0o755)  # noqa: S103 varnishd's compiler runs as another user
        self.procs = []
        self.logs = []

    def start(self, cmd, port, env=None):
        log = open(self.workdir / f"{port}.log", "w")  # noqa: SIM115 (closed in stop)
        self.logs.append(log)
        proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs.append(proc)
        wait_for_port(port)
        return proc

    def start_varnish(self, port, app_port):
        """The shipped VCL in front of the app on `app_port` (pages live `default_ttl`)."""
        vcl = self.workdir / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000"', f'.port = "{app_port}"'))
        return self.start(
            ["varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n",
             str(self.workdir / "n"), "-s", "malloc,32m", "-p", "default_ttl=0"],
            port,
        )  # fmt: skip

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        for log in self.logs:
            log.close()
            text = Path(log.name).read_text()
            if "Traceback" in text:
                print(f"--- {Path(log.name).name}\n{text[-12000:]}")  # shown when a test fails
        shutil.rmtree(self.workdir, ignore_errors=True)
