"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

REFUSED = "refused@example.com"  # this recipient gets "550 no such user"
REJECTED_AT_END = "rejected@example.com"  # the message is refused after its final dot (554)
DEFERRED_AT_END = "deferred@example.com"  # ... or put off (451)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Start with `Inbox()`, stop with `.stop()`; `.messages` holds (envelope to, message)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if REJECTED_AT_END in envelope.rcpt_tos:
            return "554 5.7.1 Message rejected"
        if DEFERRED_AT_END in envelope.rcpt_tos:
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def stop(self):
        self.controller.stop()

    def mailers(self) -> dict:
        smtp = {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
        }
        return {"default": smtp, "newsletters": smtp}

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]
