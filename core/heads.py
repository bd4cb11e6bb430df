"""Signed daily heads of the audit chains (docs/audit.md): each day the heads of every chain are
folded into one head, linked to the head of the day before and signed with an Ed25519 key that
the database does not hold; published, and an exported list of signed heads checks the chains
later, so that a rewrite by whoever can write the database shows. The checks start from the
last signed head (its signature, then only the events after it) unless asked for everything."""

import base64
import binascii
import hashlib
import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit import (
    GENESIS,
    ChainReport,
    Position,
    existing_chains,
    stored_hashes,
    verify_chain,
)
from .dates import local_date
from .models import AuditEvent, AuditHead, SignedAuditHead, event_ref
from .periods import day_start

logger = logging.getLogger(__name__)

# What a signed head's message is: v2 folds every chain's head and links to the head before;
# v1, signed before there were several chains, names one position of the single chain (0).
HEAD_KIND = "lingxing.audit-head.v2"
HEAD_KIND_V1 = "lingxing.audit-head.v1"
EXPORT_KIND = "lingxing.audit-heads.v2"
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


# --- the signed message -------------------------------------------------------------------


def head_message(day: date, chains: list[Position], count: int, prev: str) -> bytes:
    """The bytes that are signed: the day, every chain's head (chain, seq, hash) in chain order,
    the number of events, and the hash of the head signed before (GENESIS for the first). The
    head's own hash is SHA-256 of these bytes, so the signed heads form a chain of their own."""
    body = {
        "kind": HEAD_KIND,
        "date": day.isoformat(),
        "chains": [[int(c), int(s), str(h)] for c, s, h in sorted(chains)],
        "count": count,
        "prev": prev,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def head_message_v1(day: date, seq: int, head_hash: str, count: int) -> bytes:
    """The message of a head signed before there were several chains: chain 0 up to `seq`."""
    body = {
        "kind": HEAD_KIND_V1,
        "date": day.isoformat(),
        "seq": seq,
        "hash": head_hash,
        "count": count,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Head:
    """A signed head as it is checked: a row of the database or an entry of a kept file."""

    day: date
    kind: str
    chains: tuple[Position, ...]
    count: int
    prev: str
    hash: str
    signature: bytes

    def message(self) -> bytes:
        if self.kind == HEAD_KIND_V1:
            (_chain, seq, seq_hash), *_ = self.chains or ((0, 0, GENESIS),)
            return head_message_v1(self.day, seq, seq_hash, self.count)
        return head_message(self.day, list(self.chains), self.count, self.prev)

    def problem(self, key: Ed25519PublicKey) -> str:
        """Why the head is not what was signed under `key`, or "" when it is."""
        try:
            key.verify(self.signature, self.message())
        except InvalidSignature:
            return f"the signature does not verify under the public key {fingerprint(key)}"
        if self.kind == HEAD_KIND_V1:
            consistent = len(self.chains) == 1 and self.chains[0][2] == self.hash
        else:
            consistent = hashlib.sha256(self.message()).hexdigest() == self.hash
        if not consistent:
            return "its hash is not the hash of what was signed"
        held = sum(seq for _chain, seq, _hash in self.chains)
        if self.count != held:  # each chain holds exactly the events 1..seq up to its head
            return f"the signed head counts {self.count} events, its chains hold {held}"
        return ""

    def checkpoint(self) -> dict[int, tuple[int, str]]:
        return {chain: (seq, seq_hash) for chain, seq, seq_hash in self.chains}


def _positions(raw: Any) -> tuple[Position, ...]:
    return tuple(sorted((int(c), int(s), str(h)) for c, s, h in raw))


def _head_of(row: SignedAuditHead) -> Head:
    try:
        signature = base64.b64decode(row.signature, validate=True)
    except binascii.Error:
        signature = b""  # an edited row: it fails as a bad signature
    return Head(
        day=row.day,
        kind=row.kind,
        chains=_positions(row.chains),
        count=row.count,
        prev=row.prev_hash,
        hash=row.hash,
        signature=signature,
    )


def _entry(raw: Any) -> Head:
    """An entry of a kept file; one without "chains" is a v1 head (one position of chain 0)."""
    try:
        day = date.fromisoformat(raw["date"])
        signature = base64.b64decode(raw["signature"], validate=True)
        if "chains" not in raw:
            return Head(
                day,
                HEAD_KIND_V1,
                ((0, int(raw["seq"]), str(raw["hash"])),),
                int(raw["count"]),
                "",
                str(raw["hash"]),
                signature,
            )
        return Head(
            day,
            str(raw.get("kind", HEAD_KIND)),
            _positions(raw["chains"]),
            int(raw["count"]),
            str(raw["prev"]),
            str(raw["hash"]),
            signature,
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"a head in the file cannot be read ({exc}): {raw!r}") from None


# --- verifying from the last signed head -------------------------------------------------------


def last_signed_head(key: Ed25519PublicKey) -> Head | None:
    """The newest head in the database signed with `key` (after a change of key, the heads
    signed with the old one are checked with it, from the kept files)."""
    row = SignedAuditHead.objects.filter(key_fingerprint=fingerprint(key)).order_by("-day").first()
    return _head_of(row) if row is not None else None


def verify_audit(*, full: bool = False) -> ChainReport:
    """The check the nightly jobs, the dashboard and `verify_audit` run: the last signed head in
    the database must verify under the configured public key and still match the chains, then
    only the events after it are hashed again (every event with `full`). Without a key or a
    signed head, every event is hashed again."""
    key = public_key()
    head = last_signed_head(key) if key is not None else None
    if key is None or head is None:
        return verify_chain(full=True)
    problem = head.problem(key)
    if problem:
        return ChainReport(
            False, (), reason=f"the signed head of {head.day} in the database: {problem}"
        )
    report = verify_chain(checkpoint=head.checkpoint(), full=full)
    return report if full else replace(report, since=head.day)


def keep_head(report: ChainReport) -> AuditHead:
    """Keep a verification's result: what the dashboard shows and later checks compare."""
    with transaction.atomic():
        return AuditHead.objects.create(
            count=report.count,
            hash=report.head_hash,
            chains=[list(p) for p in report.heads] if report.intact else [],
            intact=report.intact,
            broken_chain=report.broken_chain,
            broken_seq=report.broken_seq,
            since=report.since,
            checked=report.checked,
        )


def take_head(*, full: bool = False) -> AuditHead:
    """Verify and keep the current heads: the nightly job and the dashboard's button call this."""
    return keep_head(verify_audit(full=full))


# --- signing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignOutcome:
    signed: list[SignedAuditHead]
    error: str = ""


def _heads_at_end_of(days: list[date]) -> dict[date, list[Position]]:
    """For each day, each chain's head at the day's end: its last event (by seq) stamped
    before the day ended. Latest day first, each search starting where the later day's
    stopped: the days to catch up are read once."""
    chains = existing_chains()
    upper: dict[int, int | None] = dict.fromkeys(chains)
    found: dict[date, list[Position]] = {}
    for day in sorted(days, reverse=True):
        end = day_start(day + timedelta(days=1))
        heads = []
        for chain in chains:
            rows = AuditEvent.objects.filter(chain=chain, created_at__lt=end)
            if upper[chain] is not None:
                rows = rows.filter(seq__lte=upper[chain])
            last = rows.order_by("-seq").values_list("seq", "hash").first()
            upper[chain] = last[0] if last else 0
            if last is not None:
                heads.append((chain, last[0], last[1]))
        found[day] = heads
    return found


def heads_sign(*, until: date | None = None, verified: ChainReport | None = None) -> SignOutcome:
    """The nightly job: sign the heads at the end of every finished day not signed yet (up to
    yesterday, at most CATCH_UP_DAYS back), each linked to the one before. Signs nothing without
    a key or on a broken chain, and says why; a day once signed is never signed again.
    Idempotent. `verified`: a verify_audit report the caller has just made (`verify_audit
    --sign`), which covers every finished day, so that the chains are not read a second time."""
    until = until or local_date(timezone.now()) - timedelta(days=1)
    if until >= local_date(timezone.now()):
        raise ValueError("only a day that has ended can be signed")
    try:
        key = signing_key()
    except AuditKeyError as exc:
        logger.error("%s", exc)
        return SignOutcome([], str(exc))
    last = SignedAuditHead.objects.order_by("-day").only("day", "hash").first()
    first_event = AuditEvent.objects.order_by("id").values_list("created_at", flat=True)
    start = until - timedelta(days=CATCH_UP_DAYS - 1)
    if last is not None:
        start = max(start, last.day + timedelta(days=1))
    elif (first := first_event.first()) is not None:
        start = max(start, local_date(first))
    else:
        start = until
    if start > until:
        return SignOutcome([])
    report = verified if verified is not None else verify_audit()
    if not report.intact:
        error = f"Audit heads are not signed: the chain is broken at {report.where}"
        logger.error("%s (%s)", error, report.reason)
        return SignOutcome([], error)
    key_print = fingerprint(key.public_key())
    prev = last.hash if last is not None else GENESIS
    days = [start + timedelta(days=i) for i in range((until - start).days + 1)]
    heads = _heads_at_end_of(days)
    signed = []
    for day in days:
        chains = heads[day]
        count = sum(seq for _chain, seq, _hash in chains)
        message = head_message(day, chains, count, prev)
        with transaction.atomic():
            head, _created = SignedAuditHead.objects.get_or_create(
                day=day,
                defaults={
                    "kind": HEAD_KIND,
                    "chains": [list(p) for p in sorted(chains)],
                    "count": count,
                    "prev_hash": prev,
                    "hash": hashlib.sha256(message).hexdigest(),
                    "signature": base64.b64encode(key.sign(message)).decode(),
                    "key_fingerprint": key_print,
                },
            )
        signed.append(head)
        prev = head.hash
    return SignOutcome(signed)


# --- publishing and checking ------------------------------------------------------------------


def published_heads(days: int = PUBLISHED_DAYS) -> list[SignedAuditHead]:
    since = local_date(timezone.now()) - timedelta(days=days)
    return list(SignedAuditHead.objects.filter(day__gte=since).order_by("-day"))


def head_entry(head: SignedAuditHead) -> dict[str, Any]:
    if head.kind == HEAD_KIND_V1:
        (_chain, seq, _hash), *_ = head.chains or [[0, 0, GENESIS]]
        return {
            "kind": HEAD_KIND_V1,
            "date": head.day.isoformat(),
            "seq": seq,
            "hash": head.hash,
            "count": head.count,
            "signature": head.signature,
            "key_fingerprint": head.key_fingerprint,
        }
    return {
        "kind": head.kind,
        "date": head.day.isoformat(),
        "chains": head.chains,
        "count": head.count,
        "prev": head.prev_hash,
        "hash": head.hash,
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
    failed: str = ""  # the first head that does not match: "2026-12-01 (#3-143)"
    reason: str = ""
    checked: int = 0  # events hashed again
    since: date | None = None  # the head the chains were verified from (None: every event)


def _position_problem(head: Head, stored: dict[tuple[int, int], str]) -> tuple[str, str] | None:
    for chain, seq, expected in head.chains:
        if seq == 0:
            continue
        ref = event_ref(chain, seq)
        actual = stored.get((chain, seq))
        if actual is None:
            return ref, f"the chain has no event #{ref}: signed events were removed"
        if actual != expected:
            return ref, (
                f"the chain's hash at #{ref} is {actual}, the signed head says {expected}: "
                f"events up to #{ref} were rewritten"
            )
    return None


def heads_verify(entries: list[Any], key: Ed25519PublicKey, *, full: bool = False) -> HeadsReport:
    """Check the chains against signed heads kept outside: each head's signature must verify
    under `key`, each must link to the one before it in the file, and every chain's stored hash
    at each head's position must be the signed one; then the chains verify from the last head
    (every event with `full`). The first head, by date, that fails is named."""
    heads = sorted((_entry(raw) for raw in entries), key=lambda h: h.day)
    stored = stored_hashes({(c, s) for h in heads for c, s, _h in h.chains if s > 0})
    previous: Head | None = None
    for checked, head in enumerate(heads):
        problem = head.problem(key)
        if not problem and previous is not None and head.kind != HEAD_KIND_V1:
            if head.prev != previous.hash:
                problem = (
                    f"it follows a head with hash {head.prev}, not the one of {previous.day} in "
                    "the file: a signed head between them is missing or was replaced"
                )
        if problem:
            return HeadsReport(False, 0, checked, str(head.day), problem)
        mismatch = _position_problem(head, stored)
        if mismatch is not None:
            ref, reason = mismatch
            return HeadsReport(False, 0, checked, f"{head.day} (#{ref})", reason)
        previous = head
    checkpoint = heads[-1].checkpoint() if heads else None
    chain = verify_chain(checkpoint=checkpoint, full=full or checkpoint is None)
    if not chain.intact:
        return HeadsReport(
            False,
            chain.count,
            len(heads),
            chain.where,
            f"the chain itself: {chain.reason}",
            chain.checked,
        )
    since = None if full or not heads else heads[-1].day
    return HeadsReport(True, chain.count, len(heads), checked=chain.checked, since=since)
