"""Advisory locks: one named lock per period or job, held to the end of the transaction."""

import hashlib

from django.db import connection


def advisory_lock(name: str) -> None:
    """Serialise writers of one period or job on PostgreSQL (SQLite has one writer anyway)."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
