"""Signed daily heads of the audit chain (docs/audit.md): each day's head is signed with an
Ed25519 key that the database does not hold, published, and an exported list of signed heads
checks the chain later, so that a rewrite by whoever can write the database shows."""

import base64
import binascii
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit import GENESIS, verify_chain
from .dates import local_date
from .models import AuditEvent, SignedAuditHead
from .periods import day_start

logger = logging.getLogger(__name__)

HEAD_KIND = "lingxing.audit-head.v1"
EXPORT_KIND = "lingxing.audit-heads.v1"
# A worker down for a while signs the days it missed, this far back at most.
CATCH_UP_DAYS = 31
PUBLISHED_DAYS = 366

MISSING_KEY = (
    "Audit heads are not signed: set AUDIT_SIGNING_KEY_FILE (a PEM file) or AUDIT_SIGNING_KEY "
    "(the key itself) on the host that runs the nightly job; see docs/audit.md. "
    "The application serves as before; only the daily signature is missing."
)


class AuditKeyError(Exception):
    """No usable key: the message says which setting to give."""


class SigningKeyMissing(AuditKeyError):
    pass


# --- keys -------------------------------------------------------------------------------------


def _key_bytes(text: str | bytes) -> bytes:
    return (text.encode() if isinstance(text, str) else text).strip()


def load_private_key(text: str | bytes) -> Ed25519PrivateKey:
    """A PEM private key (as `openssl genpkey -algorithm ed25519` writes), or base64 of the 32
    raw bytes (one line, for an environment variable)."""
    data = _key_bytes(text)
    try:
        if data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data, validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AuditKeyError(f"the audit signing key cannot be read: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError("the audit signing key is not an Ed25519 key")
    return key


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """A PEM public key, or base64 of the 32 raw bytes (as the open-data page shows it)."""
    data = _key_bytes(text)
    try:
        if data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data, validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AuditKeyError(f"the public key cannot be read: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError("the public key is not an Ed25519 key")
    return key


def signing_key() -> Ed25519PrivateKey:
    """The private key, from the environment or the file; never from the database."""
    if settings.AUDIT_SIGNING_KEY:
        return load_private_key(settings.AUDIT_SIGNING_KEY)
    if settings.AUDIT_SIGNING_KEY_FILE:
        path = Path(settings.AUDIT_SIGNING_KEY_FILE)
        if not path.is_file():
            raise SigningKeyMissing(f"{MISSING_KEY} (no file at {path})")
        return load_private_key(path.read_bytes())
    raise SigningKeyMissing(MISSING_KEY)


def public_key() -> Ed25519PublicKey | None:
    """The key the published heads verify under: AUDIT_PUBLIC_KEY (a host that publishes but
    does not sign), else the signing key's; None when neither is configured."""
    try:
        if settings.AUDIT_PUBLIC_KEY:
            return load_public_key(settings.AUDIT_PUBLIC_KEY)
        return signing_key().public_key()
    except SigningKeyMissing:
        return None
    except AuditKeyError as exc:  # misconfigured: the pages still serve, the log says why
        logger.error("%s", exc)
        return None


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_raw(key)).decode()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, in hex: what one reads out or prints to compare keys."""
    return hashlib.sha256(public_raw(key)).hexdigest()


def new_private_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def new_private_text() -> str:
    """A new private key as base64 of its 32 bytes: one line for AUDIT_SIGNING_KEY."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


def ensure_key_file(path: str | Path) -> bool:
    """Write a new private key to `path` (owner-only) unless a file is there; True if written.
    The embedded default's set-up calls this; production is given its key (docs/audit.md)."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(new_private_pem())
    return True


# --- signing ----------------------------------------------------------------------------------


def head_message(day: date, seq: int, head_hash: str, count: int) -> bytes:
    """The bytes that are signed: the head's four facts and what they are, in a fixed form."""
    body = {
        "kind": HEAD_KIND,
        "date": day.isoformat(),
        "seq": seq,
        "hash": head_hash,
        "count": count,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SignOutcome:
    signed: list[SignedAuditHead]
    error: str = ""


def _head_at_end_of(day: date) -> tuple[int, str, int]:
    """(seq, hash, count) of the last event appended before the day ended."""
    last = (
        AuditEvent.objects.filter(created_at__lt=day_start(day + timedelta(days=1)))
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    if last is None:
        return 0, GENESIS, 0
    return last[0], last[1], AuditEvent.objects.filter(seq__lte=last[0]).count()


def heads_sign(*, until: date | None = None) -> SignOutcome:
    """The nightly job: sign the head at the end of every finished day not signed yet (up to
    yesterday, at most CATCH_UP_DAYS back). Signs nothing without a key or on a broken chain,
    and says why; a day once signed is never signed again. Idempotent."""
    until = until or local_date(timezone.now()) - timedelta(days=1)
    if until >= local_date(timezone.now()):
        raise ValueError("only a day that has ended can be signed")
    try:
        key = signing_key()
    except AuditKeyError as exc:
        logger.error("%s", exc)
        return SignOutcome([], str(exc))
    last_signed = SignedAuditHead.objects.order_by("-day").values_list("day", flat=True).first()
    first_event = AuditEvent.objects.order_by("seq").values_list("created_at", flat=True).first()
    start = until - timedelta(days=CATCH_UP_DAYS - 1)
    if last_signed is not None:
        start = max(start, last_signed + timedelta(days=1))
    elif first_event is not None:
        start = max(start, local_date(first_event))
    else:
        start = until
    if start > until:
        return SignOutcome([])
    report = verify_chain()
    if not report.intact:
        error = f"Audit heads are not signed: the chain is broken at event #{report.broken_seq}"
        logger.error("%s (%s)", error, report.reason)
        return SignOutcome([], error)
    key_print = fingerprint(key.public_key())
    signed = []
    day = start
    while day <= until:
        seq, head_hash, count = _head_at_end_of(day)
        signature = key.sign(head_message(day, seq, head_hash, count))
        with transaction.atomic():
            head, _created = SignedAuditHead.objects.get_or_create(
                day=day,
                defaults={
                    "seq": seq,
                    "hash": head_hash,
                    "count": count,
                    "signature": base64.b64encode(signature).decode(),
                    "key_fingerprint": key_print,
                },
            )
        signed.append(head)
        day += timedelta(days=1)
    return SignOutcome(signed)


# --- publishing and checking ------------------------------------------------------------------


def published_heads(days: int = PUBLISHED_DAYS) -> list[SignedAuditHead]:
    since = local_date(timezone.now()) - timedelta(days=days)
    return list(SignedAuditHead.objects.filter(day__gte=since).order_by("-day"))


def head_entry(head: SignedAuditHead) -> dict[str, Any]:
    return {
        "date": head.day.isoformat(),
        "seq": head.seq,
        "hash": head.hash,
        "count": head.count,
        "signature": head.signature,
        "key_fingerprint": head.key_fingerprint,
    }


def heads_export(heads: list[SignedAuditHead]) -> dict[str, Any]:
    """The downloadable list: every head with its signature, and the public key (for reading
    only: a check takes its key from elsewhere, never from the file it checks)."""
    key = public_key()
    return {
        "kind": EXPORT_KIND,
        "signed": HEAD_KIND,
        "algorithm": "Ed25519",
        "public_key": public_text(key) if key else None,
        "public_key_fingerprint": fingerprint(key) if key else None,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "heads": [head_entry(h) for h in sorted(heads, key=lambda h: h.day)],
    }


@dataclass(frozen=True)
class HeadsReport:
    ok: bool
    events: int
    heads: int
    failed: str = ""  # the first head that does not match: "2026-12-01 (#143)"
    reason: str = ""


def _entry(raw: Any) -> tuple[date, int, str, int, bytes]:
    try:
        return (
            date.fromisoformat(raw["date"]),
            int(raw["seq"]),
            str(raw["hash"]),
            int(raw["count"]),
            base64.b64decode(raw["signature"], validate=True),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"a head in the file cannot be read ({exc}): {raw!r}") from None


def heads_verify(entries: list[Any], key: Ed25519PublicKey) -> HeadsReport:
    """Check the chain against signed heads kept outside: the chain must verify, each head's
    signature must verify under `key`, and the chain's hash at each head's seq (and its count)
    must be the signed one. The first head, by date, that fails is named."""
    heads = sorted((_entry(raw) for raw in entries), key=lambda h: (h[0], h[1]))
    chain = verify_chain()
    if not chain.intact:
        return HeadsReport(
            False, chain.count, 0, f"#{chain.broken_seq}", f"the chain itself: {chain.reason}"
        )
    stored = dict(
        AuditEvent.objects.filter(seq__in={h[1] for h in heads}).values_list("seq", "hash")
    )
    stored[0] = GENESIS
    for checked, (day, seq, head_hash, count, signature) in enumerate(heads):
        name = f"{day} (#{seq})"
        try:
            key.verify(signature, head_message(day, seq, head_hash, count))
        except InvalidSignature:
            return HeadsReport(
                False,
                chain.count,
                checked,
                name,
                f"the signature does not verify under the public key {fingerprint(key)}",
            )
        if seq > chain.head_seq:
            return HeadsReport(
                False,
                chain.count,
                checked,
                name,
                f"the chain ends at #{chain.head_seq}: signed events were removed",
            )
        if stored.get(seq) != head_hash:
            return HeadsReport(
                False,
                chain.count,
                checked,
                name,
                f"the chain's hash at #{seq} is {stored.get(seq)}, the signed head says "
                f"{head_hash}: events up to #{seq} were rewritten",
            )
        if count != seq:  # an intact chain holds exactly the events 1..seq up to seq
            return HeadsReport(
                False, chain.count, checked, name, f"the signed head counts {count} events"
            )
    return HeadsReport(True, chain.count, len(heads))
