"""Reads from a PostgreSQL streaming replica (docs/architecture.md, "Reads from a replica"): the
database router, the views that opt in, the pin to the primary after a write, and the fallback to
the primary when the replica is down or too far behind.

Nothing here acts unless settings.DATABASES has a "replica" (DATABASE_REPLICA_URL): without one
the router and the middleware are not installed and `replica_reads` leaves a view as it is."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "replica_pin"
_PIN_SALT = "core.replica.pin"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

logger = logging.getLogger("core.replica")


def configured() -> bool:
    return REPLICA in settings.DATABASES


def _listed(model: Any, labels: list[str]) -> bool:
    """Whether a model is named in a setting, by its app ("sessions") or itself ("accounts.user")."""
    meta = getattr(model, "_meta", None)
    return meta is not None and (meta.app_label in labels or meta.label_lower in labels)


class _Reads:
    """What the router knows of the request (or block of work) it is answering for."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request
        self.opted_in = False
        # A write that counts (settings.REPLICA_PIN_IGNORE aside): the rest of the request reads
        # the primary, and the user is pinned to it afterwards.
        self.wrote = False
        self._pinned: bool | None = None
        self._deciding = False

    def pinned(self) -> bool:
        if self._pinned is None:
            if self._deciding:  # reading the user below asked the router again
                return True
            self._deciding = True
            try:
                self._pinned = self.request is not None and _is_pinned(self.request)
            finally:
                self._deciding = False
        return self._pinned


_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


# ---- pinning a user to the primary after a write ------------------------------------------------


def _user_key(user_id: Any) -> str:
    return f"replica:pin:{user_id}"


def _is_pinned(request: HttpRequest) -> bool:
    """A signed cookie for the browser that wrote (residents too); for a signed-in user also a
    key in the shared cache, which API clients that drop cookies and the user's other devices
    honour."""
    seconds = settings.REPLICA_PIN_SECONDS
    if request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=seconds):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and cache.get(_user_key(user.pk)))


def pin(request: HttpRequest, response: HttpResponse) -> None:
    seconds = settings.REPLICA_PIN_SECONDS
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=_PIN_SALT,
        max_age=seconds,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        cache.set(_user_key(user.pk), 1, seconds)


class ReplicaPinMiddleware:
    """Keeps what the router knows for one request, and pins the user to the primary after an
    unsafe request that succeeded or any write that counts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads = _Reads(request)
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        succeeded_write = request.method not in _READ_METHODS and response.status_code < 400
        if reads.wrote or succeeded_write:
            pin(request, response)
        return response


# ---- the replica's health -------------------------------------------------------------------------


class _Health:
    """Process-wide: until when the replica is left alone, and when its lag is next measured."""

    lock = threading.Lock()
    down_until = 0.0
    lag_checked_until = 0.0


def forget_health() -> None:
    """Start afresh (tests, and a scenario that stops and starts the replica)."""
    with _Health.lock:
        _Health.down_until = 0.0
        _Health.lag_checked_until = 0.0


def mark_down(reason: str) -> None:
    seconds = settings.REPLICA_DOWN_SECONDS
    with _Health.lock:
        already = time.monotonic() < _Health.down_until
        _Health.down_until = time.monotonic() + seconds
    if not already:
        logger.warning("replica not used for %s s, reads go to the primary: %s", seconds, reason)


def _close_quietly(alias: str) -> None:
    connection = connections[alias]
    try:
        connection.close()
    except DatabaseError:
        pass
    # closed on purpose: a later error of the primary's is not taken for the replica's
    connection.errors_occurred = False


def lag_seconds() -> float:
    """How far behind the primary the replica is: 0 while it has applied all the WAL the primary
    has written, else the time since it last applied a transaction. 0 for a database that is not
    a standby (a test mirror)."""
    replica = connections[REPLICA]
    if replica.vendor != "postgresql":
        return 0.0
    with replica.cursor() as cursor:
        cursor.execute(
            "SELECT pg_last_wal_replay_lsn()::text,"
            " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
        )
        replayed, since_replay = cursor.fetchone()
    if replayed is None:
        return 0.0
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [replayed])
        (behind,) = cursor.fetchone()
    return float(since_replay or 0.0) if behind > 0 else 0.0


def replica_usable() -> bool:
    """Whether to read from the replica now: not marked down, connected (a short connect_timeout
    in its OPTIONS bounds the wait), and, measured every REPLICA_CHECK_SECONDS, not further
    behind than REPLICA_MAX_LAG_SECONDS. A failure marks it down for REPLICA_DOWN_SECONDS."""
    now = time.monotonic()
    if now < _Health.down_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
        if now >= _Health.lag_checked_until:
            lag = lag_seconds()
            _Health.lag_checked_until = now + settings.REPLICA_CHECK_SECONDS
            if lag > settings.REPLICA_MAX_LAG_SECONDS:
                mark_down(f"{lag:.1f} s behind the primary")
                return False
    except DatabaseError as error:
        _close_quietly(REPLICA)
        mark_down(str(error).strip() or type(error).__name__)
        return False
    return True


# ---- the router -----------------------------------------------------------------------------------


def _reads_from_replica(model: Any = None) -> bool:
    if not configured():  # a block that opted in, where there is no replica (the embedded default)
        return False
    reads = _reads.get()
    if reads is None or not reads.opted_in or reads.wrote:
        return False
    if model is not None and _listed(model, settings.REPLICA_PRIMARY_ONLY):
        return False
    # inside any transaction (a service's, a select_for_update) every read stays with its writes
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    if reads.pinned():
        return False
    return replica_usable()


def read_alias() -> str:
    """Where a raw SQL read goes now, as the router would send a model's."""
    return REPLICA if _reads_from_replica() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Reads go to the replica only inside a view (or block) that opted in; writes, and every
    other read, go to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return REPLICA if _reads_from_replica(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        reads = _reads.get()
        if reads is not None and not _listed(model, settings.REPLICA_PIN_IGNORE):
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        ours = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= ours else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


# ---- opting in ----------------------------------------------------------------------------------


@contextmanager
def reads_from_replica(request: HttpRequest | None = None) -> Iterator[_Reads]:
    """Reads in this block may go to the replica (a view's, or a job's that reads only)."""
    reads = _reads.get()
    token = None
    if reads is None:
        reads = _Reads(request)
        token = _reads.set(reads)
    before = reads.opted_in
    reads.opted_in = True
    try:
        yield reads
    finally:
        reads.opted_in = before
        if token is not None:
            _reads.reset(token)


def _replica_failed() -> bool:
    return configured() and connections[REPLICA].errors_occurred


def replica_reads(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view whose GET and HEAD may read from the replica. If the replica fails during the view
    (its connection lost mid-read), it is marked down and the view runs again on the primary:
    the reader gets the page, not a 500 (a read the view records is then recorded twice)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method not in _READ_METHODS or not configured():
            return view(request, *args, **kwargs)
        with reads_from_replica(request) as reads:
            try:
                return view(request, *args, **kwargs)
            except (OperationalError, InterfaceError) as error:
                if not _replica_failed():
                    raise
                _close_quietly(REPLICA)
                mark_down(f"failed during {request.path}: {str(error).strip()}")
                reads.opted_in = False
        return view(request, *args, **kwargs)

    wrapped.replica_reads = True  # type: ignore[attr-defined]  # listed in docs, checked by tests
    return wrapped


class ReplicaReadsMixin:
    """For API views: `class ...Api(ReplicaReadsMixin, ListAPIView)`; see replica_reads."""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:  # DRF's view function, wrapped
        return replica_reads(super().as_view(**initkwargs))  # type: ignore[misc]
