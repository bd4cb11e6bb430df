"""Verify the audit chains; exit 1 and name the first broken event when they are not intact. By
default from the last signed head (its signature, then only the events after it); --full hashes
every event again; --sign then signs the finished days not signed yet from that same pass (the
nightly signing reads the chains again). With --heads, check them against an exported list of signed daily heads
(docs/audit.md) and name the first head that does not match."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.heads import (
    AuditKeyError,
    fingerprint,
    heads_sign,
    heads_verify,
    keep_head,
    load_public_key,
    public_key,
    verify_audit,
)


def _public_key(given: str | None):
    """--public-key as a file (PEM or base64) or as the base64 text; else the configured key."""
    if given:
        path = Path(given)
        return load_public_key(path.read_bytes() if path.is_file() else given)
    key = public_key()
    if key is None:
        raise CommandError(
            "no public key to check the signatures with: give --public-key (the key published "
            "in docs/ and on the open-data page), or configure AUDIT_PUBLIC_KEY"
        )
    return key


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chains and print the hash of their heads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="hash every event again, not only those after the last signed head",
        )
        parser.add_argument(
            "--keep-head",
            action="store_true",
            help="also store the head so later checks detect a truncated tail",
        )
        parser.add_argument(
            "--sign",
            action="store_true",
            help="then sign the heads of the finished days not signed yet, from this check",
        )
        parser.add_argument(
            "--heads",
            metavar="FILE",
            help="a list of signed daily heads kept outside the system (the open-data page's "
            "JSON download): each must be signed with the public key and match the chain",
        )
        parser.add_argument(
            "--public-key",
            metavar="KEY",
            help="the public key to check --heads with (a PEM file or the base64 text); "
            "by default the configured one. Never the key inside the file being checked.",
        )

    def handle(self, *args, **options):
        if options["heads"]:
            self._check_heads(options["heads"], options["public_key"], options["full"])
            return
        report = verify_audit(full=options["full"])
        if options["keep_head"]:
            keep_head(report)
        if not report.intact:
            raise CommandError(
                f"BROKEN at {report.where}: {report.reason} "
                f"({report.checked} events verified before it)"
            )
        self.stdout.write(f"OK {report.count} events in {len(report.heads)} chains")
        self.stdout.write(_checked(report.checked, report.since))
        self.stdout.write(f"heads {report.head_hash}")
        if options["sign"]:
            outcome = heads_sign(verified=report)
            if outcome.error:
                raise CommandError(outcome.error)
            self.stdout.write(f"signed {len(outcome.signed)} daily heads")

    def _check_heads(self, path: str, given_key: str | None, full: bool) -> None:
        try:
            key = _public_key(given_key)
            document = json.loads(Path(path).read_text(encoding="utf-8"))
            entries = document["heads"] if isinstance(document, dict) else document
            report = heads_verify(entries, key, full=full)
        except (OSError, ValueError, KeyError, AuditKeyError) as exc:
            raise CommandError(f"cannot check {path}: {exc}") from None
        if not report.ok:
            raise CommandError(
                f"HEAD {report.failed} does not match: {report.reason} "
                f"({report.heads} signed heads matched before it)"
            )
        self.stdout.write(
            f"OK {report.events} events; {report.heads} signed heads match "
            f"(public key {fingerprint(key)})"
        )
        self.stdout.write(_checked(report.checked, report.since))


def _checked(checked: int, since) -> str:
    if since is None:
        return f"{checked} events hashed again from the start of each chain"
    return f"{checked} events hashed again after the signed head of {since}"
