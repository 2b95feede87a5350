"""A push service on 127.0.0.1 that checks what a real one checks (for tests and
scripts/bench_push.py): the VAPID token (RFC 8292: ES256 signature by the key in `k`, `aud` =
this origin, `exp` within 24 hours, a `sub`), the headers (TTL, Urgency, aes128gcm), and the
payload, which it decrypts (RFC 8291) with the private key of the browser that subscribed.

Endpoints are `http://127.0.0.1:PORT/push/<token>`; `PushService.client(behaviour)` makes a
browser key pair and an endpoint that answers as asked: "ok" (201), "gone" (410), "missing"
(404), "busy-once" (429, then 201), "broken" (always 500).
"""

import base64
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

URGENCIES = {"very-low", "low", "normal", "high"}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Client:
    """A browser's side of a subscription: its keys and endpoint."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    behaviour: str = "ok"
    p256dh: str = field(init=False)

    def __post_init__(self):
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64url(raw)

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)


@dataclass
class Received:
    token: str
    headers: dict
    payload: dict | None
    status: int
    error: str = ""


class PushService:
    """Start with `PushService(vapid_public_key)`; `.stop()`; `.received` lists each POST."""

    def __init__(self, vapid_public_key: str, *, keep=True, port=0, lookup=None, decrypt_every=1):
        self.vapid_public_key = vapid_public_key
        # The benchmark can decrypt 1 message in N (the others pass the token and header
        # checks only), to show what the sender does when the push service is not the limit.
        self.decrypt_every = decrypt_every
        self.seen = 0
        self.lookup = lookup  # token → Client for endpoints not made by `client()`
        self.keep = keep  # the benchmark keeps only counts, not every message
        self.clients: dict[str, Client] = {}
        self.received: list[Received] = []
        self.counts = {"ok": 0, "refused": 0, "bad": 0}
        self.busy_seen: set[str] = set()
        self.per_token: dict[str, int] = {}  # messages accepted per endpoint (duplicates)
        self.lock = threading.Lock()
        self.verified: dict[str, float] = {}  # JWT → exp, each token's signature checked once
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real push services

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, error, payload, token = service.handle(self.path, self.headers, body)
                reply = error.encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def client(self, behaviour="ok", private_key=None, auth=None) -> Client:
        token = secrets.token_urlsafe(12)
        client = Client(
            endpoint=f"{self.origin}/push/{token}",
            private_key=private_key or ec.generate_private_key(ec.SECP256R1()),
            auth=auth or os.urandom(16),
            behaviour=behaviour,
        )
        self.clients[token] = client
        return client

    def register(self, token: str, client: Client) -> None:
        self.clients[token] = client

    # --- checks ------------------------------------------------------------------------

    def check_vapid(self, header: str) -> str:
        """'' if the Authorization header is a valid VAPID token for this origin, else why."""
        if not header.startswith("vapid "):
            return "Authorization is not a vapid token"
        parts = dict(p.strip().split("=", 1) for p in header[6:].split(",") if "=" in p)
        if parts.get("k") != self.vapid_public_key:
            return "k is not the application server's key"
        jwt = parts.get("t", "")
        try:
            head, claims, signature = jwt.split(".")
            header_json = json.loads(unb64url(head))
            claims_json = json.loads(unb64url(claims))
        except ValueError:
            return "malformed JWT"
        if header_json.get("alg") != "ES256":
            return "JWT alg is not ES256"
        now = time.time()
        exp = claims_json.get("exp")
        if not isinstance(exp, int) or not now < exp <= now + 86400:
            return "exp is not within the next 24 hours"
        if claims_json.get("aud") != self.origin:
            return f"aud {claims_json.get('aud')!r} is not {self.origin}"
        sub = claims_json.get("sub", "")
        if not (sub.startswith("mailto:") or sub.startswith("https:")):
            return "sub is not a mailto: or https: contact"
        with self.lock:
            if self.verified.get(jwt) == exp:
                return ""
        raw_sig = unb64url(signature)
        if len(raw_sig) != 64:
            return "signature is not 64 bytes"
        der = encode_dss_signature(
            int.from_bytes(raw_sig[:32], "big"), int.from_bytes(raw_sig[32:], "big")
        )
        key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64url(self.vapid_public_key)
        )
        try:
            key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad JWT signature"
        with self.lock:
            self.verified[jwt] = exp
        return ""

    def answer(self, client: Client, token: str) -> int:
        """The status this endpoint answers a valid message with."""
        behaviour = client.behaviour
        if behaviour == "busy-once":
            with self.lock:
                first = token not in self.busy_seen
                self.busy_seen.add(token)
            return 429 if first else 201
        return {"gone": 410, "missing": 404, "broken": 500}.get(behaviour, 201)

    def _skip_decrypt(self) -> bool:
        if self.decrypt_every <= 1:
            return False
        with self.lock:
            self.seen += 1
            return self.seen % self.decrypt_every != 0

    def handle(self, path, headers, body):
        token = path.rsplit("/", 1)[-1]
        client = self.clients.get(token)
        if client is None and self.lookup is not None:
            client = self.lookup(token)
        error, payload = "", None
        if client is None:
            status, error = 404, "no such subscription"
        elif reason := self.check_vapid(headers.get("Authorization", "")):
            status, error = 401, reason
        elif headers.get("Content-Encoding") != "aes128gcm":
            status, error = 400, "Content-Encoding is not aes128gcm"
        elif not (headers.get("TTL") or "").isdigit():
            status, error = 400, "TTL missing"
        elif headers.get("Urgency", "normal") not in URGENCIES:
            status, error = 400, "bad Urgency"
        elif self._skip_decrypt():
            status = 201
        else:
            try:
                plain = http_ece.decrypt(
                    body, private_key=client.private_key, auth_secret=client.auth,
                    version="aes128gcm",
                )  # fmt: skip
                payload = json.loads(plain)
                status = 201
            except Exception as exc:
                status, error = 400, f"cannot decrypt: {exc}"
        if status == 201:
            status = self.answer(client, token)
        with self.lock:
            kind = "ok" if status == 201 else ("bad" if status in (400, 401) else "refused")
            self.counts[kind] += 1
            if status == 201:
                self.per_token[token] = self.per_token.get(token, 0) + 1
            if self.keep:
                self.received.append(Received(token, dict(headers.items()), payload, status, error))
        return status, error, payload, token
