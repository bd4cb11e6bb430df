"""The audit signing key (docs/audit.md): show the public key to publish, make the demo's key
file, or print a new key for the environment of a production host."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.heads import (
    AuditKeyError,
    ensure_key_file,
    fingerprint,
    load_private_key,
    load_public_key,
    new_private_text,
    public_pem,
    public_text,
    signing_key,
)


class Command(BaseCommand):
    help = "Show the public key that verifies the signed audit heads (or make a key)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--create",
            action="store_true",
            help="write a new key to AUDIT_SIGNING_KEY_FILE unless the file exists",
        )
        parser.add_argument(
            "--new",
            action="store_true",
            help="print a new private key (base64, for AUDIT_SIGNING_KEY) and its public key; "
            "nothing is stored",
        )

    def handle(self, *args, **options):
        if options["new"]:
            private = new_private_text()
            self.stdout.write(f"AUDIT_SIGNING_KEY={private}")
            self._show(load_private_key(private).public_key())
            return
        if options["create"]:
            if not settings.AUDIT_SIGNING_KEY_FILE:
                raise CommandError("AUDIT_SIGNING_KEY_FILE is not set")
            made = ensure_key_file(settings.AUDIT_SIGNING_KEY_FILE)
            done = "wrote" if made else "kept the existing"
            self.stdout.write(f"{done} key file {settings.AUDIT_SIGNING_KEY_FILE}")
        try:
            if settings.AUDIT_PUBLIC_KEY:
                key = load_public_key(settings.AUDIT_PUBLIC_KEY)
            else:
                key = signing_key().public_key()
        except AuditKeyError as exc:
            raise CommandError(str(exc)) from None
        self._show(key)

    def _show(self, key) -> None:
        self.stdout.write(f"AUDIT_PUBLIC_KEY={public_text(key)}")
        self.stdout.write(f"fingerprint (SHA-256): {fingerprint(key)}")
        self.stdout.write(public_pem(key).rstrip())
