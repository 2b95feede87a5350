"""An issue's message as bytes: built once per batch with Django's email API, filled per recipient.

Building each recipient's copy with Python's `email` package (headers parsed, folded and
encoded one by one) cost ~5 ms a message, most of a send's time. Here `emails.build_message`
makes one copy for a placeholder recipient; its serialized headers are kept as bytes with
slots for what differs (To, Message-ID, List-Unsubscribe), and each body part is kept as text
with the link placeholders. A recipient's copy is then a few byte joins and one
quoted-printable encoding (C code) per part: ~0.1 ms.

Only ASCII addresses take this path (the slots are written raw); any other address, and any
mailer that is not plain SMTP (anymail's ESPs take a message object), uses `build_message`.
`tests/articles/newsletters/test_wire.py` parses copies back and compares them with it.
"""

import binascii
import email.policy
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from articles.newsletters import emails

TO = "nl-to@placeholder.invalid"
MESSAGE_ID = "<nl-message-id@placeholder.invalid>"
LIST_UNSUBSCRIBE = "<nl-list-unsubscribe>"
_BODY = "NLBODYPART{}END"
_DOT_LINE = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class Part:
    text: str  # the part's content, with the link placeholders
    charset: str


@dataclass(frozen=True)
class WireTemplate:
    """The serialized message split around the per-recipient slots."""

    head: bytes  # the top-level headers, with the slots
    chunks: tuple[bytes, ...]  # the bytes around the body parts (one more than `parts`)
    parts: tuple[Part, ...]
    from_email: str  # the From address (the SMTP backend makes the envelope sender of it)

    def fill(self, to: emails.Recipient) -> bytes:
        """One recipient's message, ready for SMTP's DATA (CRLF line ends)."""
        head = (
            self.head.replace(TO.encode(), to.email.encode("ascii"))
            .replace(MESSAGE_ID.encode(), to.message_id.encode("ascii"))
            .replace(
                LIST_UNSUBSCRIBE.encode(),
                to.list_unsubscribe.replace(", <", ",\r\n <").encode("ascii"),
            )
        )
        out = [head, self.chunks[0]]
        for part, after in zip(self.parts, self.chunks[1:], strict=True):
            out.append(_quoted_printable(emails.fill(part.text, to).encode(part.charset)))
            out.append(after)
        return b"".join(out)


def _quoted_printable(data: bytes) -> bytes:
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def can_take(address: str) -> bool:
    """Whether `address` can be written into the header slot as it is (plain ASCII)."""
    return address.isascii() and "\r" not in address and "\n" not in address


def build(rendered: emails.RenderedIssue) -> WireTemplate:
    """The template for one batch of `rendered` (its Date header is the batch's)."""
    placeholder = emails.Recipient(
        email=TO,
        unsubscribe_url=emails.UNSUBSCRIBE,
        preferences_url=emails.PREFERENCES,
        list_unsubscribe=LIST_UNSUBSCRIBE,
        message_id=MESSAGE_ID,
    )
    django_message = emails.build_message(rendered, placeholder)
    message = django_message.message(policy=email.policy.SMTP)  # as the SMTP backend
    parts = []
    for number, leaf in enumerate(message.walk()):
        if leaf.is_multipart():
            continue
        charset = leaf.get_content_charset() or "us-ascii"
        parts.append(Part(text=leaf.get_content(), charset=charset))
        del leaf["Content-Transfer-Encoding"]
        leaf["Content-Transfer-Encoding"] = "quoted-printable"
        leaf.set_payload(_BODY.format(number))
    serialized = message.as_bytes()
    head, separator, body = serialized.partition(b"\r\n\r\n")
    chunks, rest = [], separator + body
    for number, leaf in enumerate(message.walk()):
        if not leaf.is_multipart():
            before, _, rest = rest.partition(_BODY.format(number).encode())
            chunks.append(before)
    chunks.append(rest)
    return WireTemplate(
        head=head, chunks=tuple(chunks), parts=tuple(parts), from_email=django_message.from_email
    )


def transmit(
    smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes, *, mark_and_end: Callable
) -> None:
    """Hand one message to the SMTP server on its open connection. After the message's bytes,
    `mark_and_end(end)` must record the message as sent and then call `end()`, which writes
    the final dot (what makes the server take the message); then the server's answer is read.

    A sender that records "sent" there and is killed at any moment leaves each message either
    recorded and handed over, or neither: the server drops a message whose dot never came.
    Only a death between the record's commit and the dot's `send()` (one system call, done
    right after the commit on the same thread) loses a message; recording after the server's
    "250", a death while waiting for it sent the message twice (smtplib's `sendmail` leaves
    no such hook).
    """
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(recipient)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = smtp.docmd("data")
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)
    body = _DOT_LINE.sub(b"..", data)
    smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
    mark_and_end(lambda: smtp.send(b".\r\n"))
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
