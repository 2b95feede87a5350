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


class ReplicaUnavailable(Exception):
    """A streaming replica cannot be made here; the message says why (tests skip with it)."""


class StreamingReplica:
    """A real PostgreSQL hot standby of the test server, on loopback (tests/articles/delivery/
    test_replicas.py): `pg_basebackup -R` of the whole cluster into a temporary directory,
    started with `pg_ctl` on `port`. As root, the copy and the server run as `postgres` (a data
    directory must belong to the user that runs it). The primary must allow replication
    connections from 127.0.0.1 (`make replication`, `.ci/run`)."""

    def __init__(self, primary: dict, port=55433):
        self.primary, self.port = primary, port
        self.workdir = None
        self.bin = None

    def _as_owner(self, cmd):
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def _run(self, cmd, timeout=120):
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own tools)
            self._as_owner(cmd), capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise ReplicaUnavailable(f"{Path(cmd[0]).name} failed: {result.stderr.strip()}")
        return result

    def start(self, major: int):
        self.bin = Path(f"/usr/lib/postgresql/{major}/bin")
        if not (self.bin / "pg_basebackup").exists():
            raise ReplicaUnavailable(f"no PostgreSQL {major} binaries in {self.bin}")
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            raise ReplicaUnavailable("running as root without runuser")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                raise ReplicaUnavailable(f"port {self.port} is taken")
        self.workdir = Path(tempfile.mkdtemp(prefix="newsroom-replica-"))
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        data = self.workdir / "data"
        self._run(
            [str(self.bin / "pg_basebackup"), "-h", self.primary["HOST"] or "127.0.0.1",
             "-p", str(self.primary["PORT"] or 5432), "-U", self.primary["USER"] or "postgres",
             "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"],
        )  # fmt: skip
        # Debian keeps the configuration outside the data directory: the standby gets its own.
        (data / "postgresql.conf").write_text(
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
            f"unix_socket_directories = '{self.workdir}'\nhot_standby = on\n"
            "shared_buffers = 16MB\nfsync = off\nlogging_collector = off\n"
        )
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(data / name, "postgres", "postgres")
        self.resume()

    def resume(self):
        """Start (again) the standby server."""
        data = self.workdir / "data"
        log = self.workdir / "server.log"
        self._run([str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                   "start"])  # fmt: skip

    def stop(self):
        """Stop the standby server (fast shutdown); its files stay for `resume()`."""
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.workdir / "data"), "-m", "fast",
                   "-w", "stop"])  # fmt: skip

    def is_running(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def destroy(self):
        if self.workdir is None:
            return
        if self.is_running():
            try:
                self.stop()
            except ReplicaUnavailable:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir = None
