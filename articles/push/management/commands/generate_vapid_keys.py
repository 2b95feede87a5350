"""Make a VAPID key pair for web push and print it as lines for .env."""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_pair() -> tuple[str, str]:
    """(public, private): the public key as browsers take it (65 bytes, uncompressed point),
    the private key as its 32 raw bytes, both base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(public), b64url(private)


class Command(BaseCommand):
    help = "Print a new VAPID key pair for web push (lines for .env; keep the private key secret)."

    def handle(self, *args, **options):
        public, private = new_pair()
        self.stdout.write(f"NEWSROOM_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"NEWSROOM_VAPID_PRIVATE_KEY={private}")
        self.stdout.write("NEWSROOM_VAPID_SUBJECT=mailto:webmaster@example.com")
        self.stderr.write(
            "Changing the keys later makes every browser subscription invalid: readers would "
            "have to opt in again."
        )
