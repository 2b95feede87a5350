"""Read mail sent to the List-Unsubscribe mailto address and unsubscribe its signed token.

For a mailbox your own MTA receives: pipe each message in (Postfix alias
`unsubscribe: "|/srv/newsroom/.venv/bin/python /srv/newsroom/manage.py
newsletter_unsubscribe_mail"`), or give message files (a Maildir's `new/*`). ESPs use the
inbound webhook instead (docs/newsletters.md). It always exits 0 so the MTA never bounces
the reader's mail; what it did is printed.
"""

import sys
from email import message_from_binary_file, policy

from django.core.management.base import BaseCommand

from articles.newsletters import services


class Command(BaseCommand):
    help = "Unsubscribe the signed tokens in mails sent to the List-Unsubscribe mailto address."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="message files (default: one on stdin)")

    def handle(self, *args, files, **options):
        sources = files or ["-"]
        for source in sources:
            if source == "-":
                message = message_from_binary_file(sys.stdin.buffer, policy=policy.default)
            else:
                with open(source, "rb") as handle:
                    message = message_from_binary_file(handle, policy=policy.default)
            left = services.unsubscribe_by_mail(subject=str(message.get("Subject", "")))
            if left is None:
                self.stdout.write(f"{source}: no valid unsubscribe token; nothing changed")
            else:
                self.stdout.write(f"{source}: unsubscribed ({left} subscription(s) ended)")
