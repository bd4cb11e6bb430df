"""Statements prepared once per database connection (PostgreSQL's PREPARE): planned once, then
run with EXECUTE — for the statements that run many times a second with the same shape (the
audit append, core/audit.py; an upload's near-duplicate lookup, inspections/near_duplicates.py),
where planning costs as much as running."""

import functools
import weakref
from typing import Any

from django.db import connection

# The raw connections (a weak reference each: they come and go with Django's) on which
# statements are prepared.
_PREPARED: "weakref.WeakKeyDictionary[Any, set[str]]" = weakref.WeakKeyDictionary()


@functools.cache
def _statement(name: str, sql: str) -> tuple[str, str]:
    """(PREPARE name AS sql with $1.., EXECUTE name (%s, ..)) for a statement with %s params."""
    pieces = sql.split("%s")
    numbered = pieces[0] + "".join(f"${i}{piece}" for i, piece in enumerate(pieces[1:], 1))
    params = ", ".join(["%s"] * (len(pieces) - 1))
    return f"PREPARE {name} AS {numbered}", f"EXECUTE {name} ({params})"


def prepared(cursor: Any, name: str, sql: str) -> str:
    """`EXECUTE name (%s, ...)` for `sql`, prepared on this connection the first time. A
    prepared statement outlives a rolled-back transaction, so it is prepared once. `name`
    must stand for one text of `sql`."""
    prepare, execute = _statement(name, sql)
    done = _PREPARED.setdefault(connection.connection, set())
    if name not in done:
        cursor.execute(prepare)
        done.add(name)
    return execute
