"""The tamper-evident audit chain: append one event per state change, verify the whole chain."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .locks import advisory_lock
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
# Any constant works; it names the advisory lock that serialises appends on PostgreSQL.
_APPEND_LOCK_KEY = 0x4C434155  # "LCAU"


def _jsonable(value: Any) -> Any:
    """Plain JSON for before/after: decimals and dates as strings, so the hash is stable."""
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    return str(value)


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field that matters, in a fixed order."""
    body = {
        "seq": event.seq,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "organisation_name": event.organisation_name,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "comment": event.comment,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


def record_event(
    *,
    actor: Any,
    verb: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction so that both commit together."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    organisation = getattr(user, "organisation", None) if user else None
    advisory_lock(_APPEND_LOCK_KEY)
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        created_at=timezone.now(),
        actor=user,
        actor_name=(user.get_full_name() or user.get_username()) if user else "",
        organisation_name=str(organisation) if organisation else "",
        verb=str(verb),  # a TextChoices member stores its value
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:300] if obj is not None else "",
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        comment=comment,
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = compute_hash(event.prev_hash, event)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Recompute every link in order; name the first event that does not fit."""
    prev_hash, expected_seq, count, head_seq = GENESIS, 1, 0, 0
    hashes: dict[int, str] = {}
    kept = dict(AuditHead.objects.filter(intact=True).values_list("seq", "hash"))
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        reason = ""
        if event.seq != expected_seq:
            reason = f"sequence gap: expected #{expected_seq}, found #{event.seq}"
        elif event.prev_hash != prev_hash:
            reason = "previous-hash link does not match the event before it"
        elif compute_hash(prev_hash, event) != event.hash:
            reason = "content does not match its hash (edited)"
        if reason:
            return ChainReport(False, count, head_seq, prev_hash, event.seq, reason)
        if event.seq in kept:
            hashes[event.seq] = event.hash
        prev_hash, expected_seq, count, head_seq = event.hash, event.seq + 1, count + 1, event.seq
    for seq, kept_hash in sorted(kept.items()):
        if hashes.get(seq) != kept_hash:
            return ChainReport(
                False,
                count,
                head_seq,
                prev_hash,
                seq,
                f"kept head #{seq} no longer matches (events removed or replaced)",
            )
    return ChainReport(True, count, head_seq, prev_hash)


def take_head() -> AuditHead:
    """Verify and keep the current head: the nightly job and the dashboard's button call this."""
    report = verify_chain()
    with transaction.atomic():
        return AuditHead.objects.create(
            seq=report.head_seq,
            hash=report.head_hash,
            intact=report.intact,
            broken_seq=report.broken_seq,
        )
