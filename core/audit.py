"""The tamper-evident audit chains: append one event per state change to its chain, and verify
the chains by streaming them (docs/audit.md "Chains")."""

import functools
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .locks import advisory_lock_one_of, one_of_setting, one_of_statement
from .models import AuditEvent, AuditHead, event_ref
from .prepared import prepared

GENESIS = "0" * 64
# The class of the per-chain append locks (PostgreSQL's two-key advisory locks): one lock per
# chain, so that appends to different chains never wait for one another.
APPEND_LOCK_CLASS = 0x4C434155  # "LCAU"
# Reads (discipline officers' page views) have chains of their own from this number on, so that
# they never wait behind writes; chains 1.. take the writes; chain 0 is the single chain of
# before, which takes no new events.
READ_CHAINS_FROM = 1001
# Rows fetched per round trip when a chain is streamed.
STREAM_CHUNK = 5000

_READ_VERBS: set[str] = set()

# (chain, seq, hash) of a chain's last event: what a head records of each chain.
Position = tuple[int, int, str]


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    return str(value)


# The one encoding of what is hashed: keys sorted, no spaces, text as it is (UTF-8).
_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode

# The columns canonical() covers, in the order _canonical_row takes them.
HASHED = (
    "seq",
    "created_at",
    "actor_id",
    "actor_name",
    "organisation_name",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "comment",
)


def _canonical_row(
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_name: str,
    organisation_name: str,
    verb: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before: Any,
    after: Any,
    comment: str,
) -> bytes:
    body = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "organisation_name": organisation_name,
        "verb": verb,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "before": before,
        "after": after,
        "comment": comment,
    }
    return _ENCODE(body).encode()


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field that matters, in a fixed order. The chain is not
    among them: each chain starts from a hash of its own (genesis), which every later hash of
    the chain carries."""
    return _canonical_row(*(getattr(event, name) for name in HASHED))


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


def genesis(chain: int) -> str:
    """The previous hash of a chain's first event. It names the chain, so that a chain relabelled
    as another no longer verifies; chain 0, the single chain of before, keeps its zeros."""
    if chain == 0:
        return GENESIS
    return hashlib.sha256(f"lingxing.audit-chain.{chain}".encode()).hexdigest()


def register_reads(verbs: Iterable[str]) -> None:
    """Verbs that record a read, not a change: their events go to the read chains
    (core.events.verbs(reads=...) calls this)."""
    _READ_VERBS.update(str(verb) for verb in verbs)


def chain_for(
    *,
    verb: str,
    organisation_id: int | None,
    actor_id: int | None,
    object_type: str,
    object_id: str,
) -> int:
    """The chain an event joins: the one rule (docs/audit.md "Chains"). An organisation's acts
    stay in one chain, in their order; acts without one, by the user, else by the object. The key
    is spread over AUDIT_CHAINS write chains, or AUDIT_READ_CHAINS read chains for the read
    verbs. To key on the district instead, change the key here; nothing else depends on it."""
    read = verb in _READ_VERBS
    if organisation_id is not None:
        key = f"organisation:{organisation_id}"
    elif actor_id is not None:
        key = f"user:{actor_id}"
    else:
        key = f"object:{object_type}:{object_id}"
    if read:
        return READ_CHAINS_FROM + zlib.crc32(key.encode()) % max(1, settings.AUDIT_READ_CHAINS)
    stripes = min(max(1, settings.AUDIT_CHAINS), READ_CHAINS_FROM - 1)
    return 1 + zlib.crc32(key.encode()) % stripes


def _canonical_parts(
    actor_id: int | None,
    actor_name: str,
    organisation_name: str,
    verb: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before: Any,
    after: Any,
    comment: str,
) -> tuple[str, str, str]:
    """canonical() around the two facts only known under the chain's lock: the event is
    `a + created_at + b + seq + c` (the same bytes as _canonical_row, keys in sorted order)."""
    a = (
        f'{{"actor_id":{_ENCODE(actor_id)},"actor_name":{_ENCODE(actor_name)},'
        f'"after":{_ENCODE(after)},"before":{_ENCODE(before)},"comment":{_ENCODE(comment)},'
        f'"created_at":"'
    )
    b = (
        f'","object_id":{_ENCODE(object_id)},"object_repr":{_ENCODE(object_repr)},'
        f'"object_type":{_ENCODE(object_type)},'
        f'"organisation_name":{_ENCODE(organisation_name)},"seq":'
    )
    return a, b, f',"verb":{_ENCODE(verb)}}}'


_GIVEN = HASHED[2:]  # all but the number and the time, which the database gives


@functools.cache
def _append_sql() -> str:
    """On PostgreSQL an append is one round trip: the chain's lock, then one INSERT that reads
    the chain's last event (after the lock: a statement of its own sees what the previous holder
    committed), numbers the event and hashes it as canonical() does: SHA-256 of the previous
    hash, the canonical event up to "seq", the number, and the rest (the genesis of the chain as
    genesis() makes it)."""
    table = AuditEvent._meta.db_table
    genesis_sql = (
        "CASE WHEN k.c = 0 THEN repeat('0', 64) ELSE encode(sha256(convert_to("
        "'lingxing.audit-chain.' || k.c, 'UTF8')), 'hex') END"
    )
    return (
        f"INSERT INTO {table} (chain, seq, created_at, {', '.join(_GIVEN)}, prev_hash, hash)"
        f" SELECT n.c, n.s, %s, {', '.join(['%s'] * len(_GIVEN))}, n.p,"
        f" encode(sha256(convert_to(n.p || %s || n.s || %s, 'UTF8')), 'hex')"
        f" FROM (SELECT k.c, coalesce(l.seq, 0) + 1 AS s, coalesce(l.hash, {genesis_sql}) AS p"
        f" FROM (SELECT current_setting(%s)::int AS c) AS k"
        f" LEFT JOIN LATERAL (SELECT seq, hash FROM {table} WHERE chain = k.c"
        f" ORDER BY seq DESC LIMIT 1) AS l ON true) AS n"
        f" RETURNING id, chain, seq, prev_hash, hash"
    )


@functools.cache
def _insert_sql() -> str:
    columns = ("chain", "seq", "created_at", *_GIVEN, "prev_hash", "hash")
    return (
        f"INSERT INTO {AuditEvent._meta.db_table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING id"
    )


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
    """Append one event. Must run inside the caller's transaction so that both commit together.
    The chain's lock is held to the end of that transaction; a transaction that records a second
    event appends it to the same chain (one chain lock per transaction: no deadlock).

    On PostgreSQL one round trip of two prepared statements and no ORM query compiled: every
    write of the platform passes here (docs/audit.md "Chains")."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    organisation = getattr(user, "organisation", None) if user else None
    # Plain JSON for before/after (decimals and dates as strings, so the hash is stable): the
    # text is stored, the value it reads back as is hashed.
    before_text = json.dumps(before or {}, default=_default, ensure_ascii=False)
    after_text = json.dumps(after or {}, default=_default, ensure_ascii=False)
    facts = {  # in _GIVEN's order: what the act says; the chain adds its place, time and hash
        "actor_id": user.pk if user else None,
        "actor_name": (user.get_full_name() or user.get_username()) if user else "",
        "organisation_name": str(organisation) if organisation else "",
        "verb": str(verb),  # a TextChoices member stores its value
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": str(obj)[:300] if obj is not None else "",
        "before": json.loads(before_text),
        "after": json.loads(after_text),
        "comment": comment,
    }
    chosen = chain_for(
        verb=facts["verb"],
        organisation_id=getattr(user, "organisation_id", None),
        actor_id=facts["actor_id"],
        object_type=object_type,
        object_id=object_id,
    )
    stored = [*facts.values()]
    stored[_GIVEN.index("before")], stored[_GIVEN.index("after")] = before_text, after_text
    # The application's clock, as for every other row (tests travel in time); taken before the
    # chain's lock, so within a chain it may lag the event before by the wait for the lock.
    created_at = timezone.now()
    a, b, c = _canonical_parts(*facts.values())
    prefix = f"{a}{created_at.astimezone(UTC).isoformat(timespec='microseconds')}{b}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            lock_sql, lock_params = one_of_statement(APPEND_LOCK_CLASS, chosen)
            lock = prepared(cursor, "lingxing_audit_lock", lock_sql)
            append = prepared(cursor, "lingxing_audit_append", _append_sql())
            cursor.execute(
                f"{lock}; {append}",
                [*lock_params, created_at, *stored, prefix, c, one_of_setting(APPEND_LOCK_CLASS)],
            )
            pk, chain, seq, prev_hash, hashed = cursor.fetchone()
        else:  # SQLite: one writer at a time anyway; the same event, hashed here
            chain = advisory_lock_one_of(APPEND_LOCK_CLASS, chosen)
            cursor.execute(
                f"SELECT seq, hash FROM {AuditEvent._meta.db_table} WHERE chain = %s "
                "ORDER BY seq DESC LIMIT 1",
                [chain],
            )
            last = cursor.fetchone()
            seq, prev_hash = (last[0] + 1, last[1]) if last else (1, genesis(chain))
            hashed = hashlib.sha256(f"{prev_hash}{prefix}{seq}{c}".encode()).hexdigest()
            when = connection.ops.adapt_datetimefield_value(created_at)
            cursor.execute(_insert_sql(), [chain, seq, when, *stored, prev_hash, hashed])
            pk = cursor.fetchone()[0]
    event = AuditEvent(
        id=pk,
        chain=chain,
        seq=seq,
        created_at=created_at,
        prev_hash=prev_hash,
        hash=hashed,
        **facts,
    )
    event._state.adding, event._state.db = False, connection.alias
    return event


# --- verifying --------------------------------------------------------------------------------


def heads_hash(heads: Iterable[Position]) -> str:
    """One SHA-256 over every chain's head, in chain order: the value a kept head prints."""
    body = json.dumps([list(p) for p in sorted(heads)], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    heads: tuple[Position, ...]  # each chain's last event, as verified
    checked: int = 0  # events hashed again by this run
    broken_chain: int | None = None
    broken_seq: int | None = None
    reason: str = ""
    since: date | None = None  # the signed head it started from (core.heads.verify_audit)

    @property
    def count(self) -> int:
        """Events in the chains: each is numbered 1..seq without gaps."""
        return sum(seq for _chain, seq, _hash in self.heads)

    @property
    def head_hash(self) -> str:
        return heads_hash(self.heads)

    @property
    def broken_ref(self) -> str:
        return event_ref(self.broken_chain, self.broken_seq)

    @property
    def where(self) -> str:
        """The first event that does not fit ("#3-17"), or what else failed."""
        return f"#{self.broken_ref}" if self.broken_seq is not None else "the signed head"


def existing_chains() -> list[int]:
    """Every chain that holds events, one index probe per chain (not a scan of the table)."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE chains(chain) AS ("
            f" SELECT min(chain) FROM {table}"
            f" UNION ALL SELECT (SELECT min(e.chain) FROM {table} e WHERE e.chain > chains.chain)"
            f" FROM chains WHERE chains.chain IS NOT NULL)"
            f" SELECT chain FROM chains WHERE chain IS NOT NULL"
        )
        return [row[0] for row in cursor.fetchall()]


def stored_hashes(positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The stored hash of each (chain, seq) that exists; a query per chain and 1,000 seqs."""
    by_chain: dict[int, list[int]] = {}
    for chain, seq in positions:
        by_chain.setdefault(chain, []).append(seq)
    found: dict[tuple[int, int], str] = {}
    for chain, seqs in by_chain.items():
        for i in range(0, len(seqs), 1000):
            rows = AuditEvent.objects.filter(chain=chain, seq__in=seqs[i : i + 1000])
            for seq, stored in rows.order_by().values_list("seq", "hash"):
                found[(chain, seq)] = stored
    return found


def _mismatch(positions: Iterable[Position]) -> tuple[Position, str | None] | None:
    """The first position, in (chain, seq) order, whose event is missing or has another hash."""
    wanted = sorted(set(positions))
    stored = stored_hashes((c, s) for c, s, _h in wanted if s > 0)
    for chain, seq, expected in wanted:
        actual = stored.get((chain, seq)) if seq > 0 else genesis(chain)
        if actual != expected:
            return (chain, seq, expected), actual
    return None


def _stream(chain: int, after_seq: int) -> Iterator[tuple]:
    """The chain's events after `after_seq`, in order, from a server-side cursor: memory stays
    bounded by STREAM_CHUNK rows however long the chain (inside a transaction, so PostgreSQL does
    not copy the whole result aside first, as it does for a cursor held across commits)."""
    rows = (
        AuditEvent.objects.filter(chain=chain, seq__gt=after_seq)
        .order_by("seq")
        .values_list(*HASHED, "prev_hash", "hash")
    )
    return rows.iterator(chunk_size=STREAM_CHUNK)


def verify_chain(
    *, checkpoint: Mapping[int, tuple[int, str]] | None = None, full: bool = True
) -> ChainReport:
    """Verify every chain and name the first event that does not fit.

    `checkpoint` gives positions (chain → (seq, hash)) whose signature the caller has checked:
    each must still be in the chain with that hash. With `full`, every event is hashed again
    from its chain's start; without, only the events after the checkpoint, linked onto it.
    Every head kept in the database (AuditHead) must match as well, so a truncated tail shows.
    Chains are streamed one after another in (chain, seq) order, in bounded memory."""
    checkpoint = dict(checkpoint or {})
    with transaction.atomic():
        failed = _mismatch((c, s, h) for c, (s, h) in checkpoint.items())
        if failed is not None:
            (chain, seq, _expected), actual = failed
            reason = (
                f"the signed head's event #{event_ref(chain, seq)} is missing"
                if actual is None
                else f"event #{event_ref(chain, seq)} no longer has the signed head's hash"
            )
            return ChainReport(False, (), 0, chain, seq, reason)
        heads: list[Position] = []
        checked = 0
        for chain in sorted(set(existing_chains()) | set(checkpoint)):
            seq, prev_hash = (0, genesis(chain)) if full else checkpoint.get(chain, (0, ""))
            if not prev_hash:
                prev_hash = genesis(chain)
            for row in _stream(chain, seq):
                *fields, stored_prev, stored_hash = row
                reason = ""
                if fields[0] != seq + 1:
                    reason = (
                        f"sequence gap: expected #{event_ref(chain, seq + 1)}, "
                        f"found #{event_ref(chain, fields[0])}"
                    )
                elif stored_prev != prev_hash:
                    reason = "previous-hash link does not match the event before it"
                elif (
                    hashlib.sha256(prev_hash.encode() + _canonical_row(*fields)).hexdigest()
                    != stored_hash
                ):
                    reason = "content does not match its hash (edited)"
                if reason:
                    heads.append((chain, seq, prev_hash))
                    return ChainReport(False, tuple(heads), checked, chain, fields[0], reason)
                seq, prev_hash = fields[0], stored_hash
                checked += 1
            if seq:
                heads.append((chain, seq, prev_hash))
        kept = AuditHead.objects.filter(intact=True).values_list("chains", flat=True)
        failed = _mismatch(tuple(p) for chains in kept.iterator() for p in chains)
        if failed is not None:
            (chain, seq, _expected), _actual = failed
            return ChainReport(
                False,
                tuple(heads),
                checked,
                chain,
                seq,
                f"kept head #{event_ref(chain, seq)} no longer matches "
                "(events removed or replaced)",
            )
    return ChainReport(True, tuple(heads), checked)
