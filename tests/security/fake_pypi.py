"""A fake PyPI vulnerability feed on loopback, reached the way pip-audit reaches the real one.

pip-audit asks `https://pypi.org/pypi/<name>/<version>/json` for each locked requirement. This
is an HTTPS proxy on 127.0.0.1: it accepts `CONNECT pypi.org:443` only, terminates TLS with a
certificate for pypi.org from a throwaway CA (trustme), and answers that JSON with the
advisories it was given. Point `HTTPS_PROXY` at `url` and `REQUESTS_CA_BUNDLE` at `ca_bundle`.
"""

import json
import re
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler

import trustme

HOST = "pypi.org"
PORTS = range(18330, 18350)  # this worktree's port range
VERSION_JSON = re.compile(r"^/pypi/(?P<name>[^/]+)/(?P<version>[^/]+)/json$")


class _PyPIHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        match = VERSION_JSON.match(self.path)
        if match is None:
            self._send(404, {"message": "Not Found"})
            return
        name, version = match["name"], match["version"]
        self.server.fake.asked.append((name, version))
        if self.server.fake.versions_missing:  # as pypi.org answers from this machine
            self._send(404, {"message": "Not Found"})
            return
        vulns = self.server.fake.advisories.get((name, version), [])
        self._send(200, {"info": {"name": name, "version": version}, "vulnerabilities": vulns})

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        request_line = self.rfile.readline(65537).decode("latin-1").strip()
        while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
            pass
        method, _, target = request_line.partition(" ")
        if method != "CONNECT" or target.split(" ")[0] != f"{HOST}:443":
            self.server.fake.refused.append(request_line)
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            tls = self.server.fake.context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            _PyPIHandler(tls, self.client_address, self.server)
        except (ssl.SSLError, OSError):
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakePyPI:
    """`with FakePyPI({("django", "6.1.3"): [advisory]}) as fake:` …"""

    def __init__(self, advisories, tmp_path, versions_missing=False):
        self.advisories = advisories
        self.versions_missing = versions_missing
        self.asked, self.refused = [], []
        ca = trustme.CA()
        self.ca_bundle = tmp_path / "fake-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(HOST).configure_cert(self.context)

    def __enter__(self):
        for port in PORTS:
            try:
                self.server = _Server(("127.0.0.1", port), _ProxyHandler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError(f"no free port in {PORTS}")
        self.server.fake = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def advisory(vuln_id, fixed_in, summary="A made-up advisory for the audit test"):
    return {
        "id": vuln_id,
        "aliases": [],
        "summary": summary,
        "fixed_in": fixed_in,
        "published": "2026-01-01T00:00:00Z",
        "withdrawn": None,
    }


__all__ = ["FakePyPI", "advisory"]
