"""Advisory locks: one named lock per period or job, held to the end of the transaction.

The only place that takes a PostgreSQL advisory lock. Three forms, each in its own key space
as PostgreSQL has them: a name (hashed to a 64-bit key), a fixed 64-bit key, or a (class,
object id) pair of 32-bit keys, one lock per object of a class; and the last form held once per
transaction (advisory_lock_one_of)."""

import hashlib
from typing import Any

from django.db import connection


def advisory_key(name: str) -> int:
    """The 64-bit key a lock name stands for (the first 8 bytes of its SHA-256)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def advisory_lock(name: str | int, item: int | None = None) -> None:
    """Serialise writers on PostgreSQL until the transaction ends (SQLite has one writer anyway).

    `name` is a string naming a period or job, or a fixed integer key; with `item`, `name` is
    a class (a 32-bit integer) and the lock is that class's lock for the one object `item`,
    so that writers of different objects do not wait for each other."""
    if item is not None and not isinstance(name, int):
        raise TypeError("the two-key form takes an integer class")
    if connection.vendor != "postgresql":
        return
    if item is not None:
        sql, params = "SELECT pg_advisory_xact_lock(%s, %s)", [name, item]
    else:
        key = advisory_key(name) if isinstance(name, str) else name
        sql, params = "SELECT pg_advisory_xact_lock(%s)", [key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Returns the item this transaction already locked of the class, else locks `item` and keeps
# it in a setting local to the transaction (undone with the transaction or its savepoint, as
# the lock is). One statement: the lock waits, the setting is read before it.
_ONE_OF_SQL = (
    "SELECT pg_advisory_xact_lock(%s, item), set_config(%s, item::text, true), item"
    " FROM (SELECT coalesce(nullif(current_setting(%s, true), '')::int, %s) AS item) AS chosen"
)


def one_of_setting(cls: int) -> str:
    """The transaction-local setting that holds the item advisory_lock_one_of locked."""
    return f"lingxing.lock_{cls}"


def one_of_statement(cls: int, item: int) -> tuple[str, list[Any]]:
    """advisory_lock_one_of as SQL and its parameters, for a caller that sends it in one round
    trip with the statement that follows it (core.audit's append; PostgreSQL only)."""
    setting = one_of_setting(cls)
    return _ONE_OF_SQL, [cls, setting, setting, item]


def advisory_lock_one_of(cls: int, item: int) -> int:
    """The two-key lock of `item` of class `cls`, unless this transaction already holds one of
    that class taken here: then that one, and its item is returned instead. A transaction thus
    holds at most one lock of the class, so two transactions can never deadlock over two of
    them (the audit chains, docs/audit.md "Chains"). Returns the item locked; on SQLite, `item`."""
    if connection.vendor != "postgresql":
        return item
    with connection.cursor() as cursor:
        cursor.execute(*one_of_statement(cls, item))
        return int(cursor.fetchone()[2])
