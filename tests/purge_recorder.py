"""A stand-in reverse proxy on loopback that records the surrogate keys each PURGE names."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PurgeRecorder:
    """`with PurgeRecorder() as proxy:` … `proxy.url` to configure, `proxy.keys()` to assert."""

    def __init__(self):
        self.purges: list[set[str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
                recorder.purges.append(set(self.headers.get("xkey-purge", "").split()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> set[str]:
        """Every key purged so far (and forget them)."""
        found = set().union(*self.purges) if self.purges else set()
        self.purges.clear()
        return found
