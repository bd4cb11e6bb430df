"""Reads from the replica (core/replica.py), through a mirror of the test database (Django's TEST
MIRROR, config/settings/test.py): which reads go there, the pin to the primary after a write, and
the fallback when the replica refuses connections, is lost in the middle of a page, or is behind.
tests/test_replica_streaming.py does the same with a real streaming replica."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Organisation, User
from core import replica
from core.replica import (
    PIN_COOKIE,
    REPLICA,
    ReplicaPinMiddleware,
    forget_health,
    read_alias,
    reads_from_replica,
    replica_reads,
    replica_usable,
)
from projects.models import Project
from projects.tests.factories import make_project

ROOT = Path(__file__).resolve().parents[2]
through_the_mirror = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])

NEW = {
    "name": "梅园路排水沟清淤",
    "address": "荔城区镇海街道梅园路",
    "category": "drainage",
    "budget_amount": "38000",
    "planned_start": "2026-12-14",
    "planned_end": "2027-02-26",
}


@pytest.fixture(autouse=True)
def _health():
    forget_health()
    yield
    forget_health()
    # a read outside a request opened it; the test database cannot be dropped while it is open
    connections[REPLICA].close()


@contextmanager
def queries_on(alias: str) -> Iterator[list[str]]:
    """The SQL sent to one database (counted without connecting, unlike CaptureQueriesContext)."""
    sent: list[str] = []

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connections[alias].execute_wrapper(count):
        yield sent


def read(sent: list[str], table: str) -> bool:
    return any(table in sql and sql.lstrip().upper().startswith("SELECT") for sql in sent)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def replica_unreachable() -> Iterator[None]:
    """The replica's address changed to one where nothing answers."""
    connection = connections[REPLICA]
    _drop(connection)
    saved = connection.settings_dict  # the mirror shares the primary's dict: replace, never edit
    if connection.vendor == "postgresql":
        connection.settings_dict = {**saved, "HOST": "127.0.0.1", "PORT": str(_free_port())}
    else:
        connection.settings_dict = {**saved, "NAME": "/nonexistent/replica.sqlite3"}
    try:
        yield
    finally:
        _drop(connection)
        connection.settings_dict = saved


def _drop(connection) -> None:
    """Close; Django keeps an in-memory SQLite database's connection open (closing it would lose
    the database), so let go of the mirror's: the primary's keeps the database."""
    connection.close()
    if connection.vendor == "sqlite":
        connection.connection = None


@through_the_mirror
def test_a_dashboard_reads_the_replica_and_the_read_it_records_does_not_pin(client, district):
    make_project(district.street_zhenhai, name="梅园路排水沟清淤")
    client.force_login(district.discipline)
    for _ in range(2):
        with queries_on(REPLICA) as on_replica, queries_on("default") as on_primary:
            response = client.get("/dashboards/projects/")
        assert response.status_code == 200
        assert "梅园路排水沟清淤" in response.content.decode()
        assert read(on_replica, "projects_project")
        assert not read(on_primary, "projects_project")
        # the discipline officer's read is recorded, on the primary, and does not pin them
        # (on PostgreSQL the append is a prepared statement, core/audit.py)
        assert any(
            (sql.startswith("INSERT") and "audit" in sql) or "EXECUTE lingxing_audit_append" in sql
            for sql in on_primary
        )
        assert PIN_COOKIE not in response.cookies


@through_the_mirror
def test_the_writer_reads_the_primary_for_pin_seconds_and_others_the_replica(
    client, district, settings
):
    client.force_login(district.street_zhenhai)
    created = client.post("/api/v1/projects/", NEW, content_type="application/json")
    assert created.status_code == 201
    assert created.cookies[PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS
    new_id = created.json()["id"]

    with queries_on(REPLICA) as on_replica:
        listed = client.get("/api/v1/projects/")
    assert [p["id"] for p in listed.json()["results"]] == [new_id]
    assert on_replica == []

    # the same user on another device or an API client that drops cookies: pinned too
    elsewhere = Client()
    elsewhere.force_login(district.street_zhenhai)
    with queries_on(REPLICA) as on_replica:
        assert elsewhere.get("/api/v1/projects/").status_code == 200
    assert on_replica == []

    # a colleague is not pinned
    colleague = Client()
    colleague.force_login(district.street_zhenhai_2)
    with queries_on(REPLICA) as on_replica:
        listed = colleague.get("/api/v1/projects/")
    assert [p["id"] for p in listed.json()["results"]] == [new_id]
    assert read(on_replica, "projects_project")

    # and the writer is not, once the pin is over
    later = timezone.now() + timedelta(seconds=settings.REPLICA_PIN_SECONDS + 1)
    with time_machine.travel(later, tick=False), queries_on(REPLICA) as on_replica:
        assert client.get("/api/v1/projects/").status_code == 200
    assert read(on_replica, "projects_project")


@through_the_mirror
def test_a_refused_write_does_not_pin(client, district):
    client.force_login(district.street_zhenhai)
    refused = client.post(
        "/api/v1/projects/", {**NEW, "budget_amount": "-5"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert PIN_COOKIE not in refused.cookies
    with queries_on(REPLICA) as on_replica:
        client.get("/api/v1/projects/")
    assert read(on_replica, "projects_project")


@through_the_mirror
def test_a_write_during_a_read_sends_the_rest_to_the_primary_and_pins(rf, district):
    seen = {}

    @replica_reads
    def view(request):
        seen["before"] = Project.objects.all().db
        Organisation.objects.filter(pk=district.zhenhai.pk).update(name="镇海街道办事处")
        seen["after"] = Project.objects.all().db
        return HttpResponse()

    request = rf.get("/")
    request.user = district.discipline
    response = ReplicaPinMiddleware(view)(request)
    assert seen == {"before": REPLICA, "after": "default"}
    assert PIN_COOKIE in response.cookies


@through_the_mirror
def test_transactions_locks_sessions_and_users_stay_on_the_primary(district):
    assert Project.objects.all().db == "default"  # no view opted in
    with reads_from_replica():
        assert Project.objects.all().db == REPLICA
        assert read_alias() == REPLICA
        assert User.objects.all().db == "default"
        assert Session.objects.all().db == "default"
        with transaction.atomic():
            assert Project.objects.all().db == "default"
            assert read_alias() == "default"
        assert Project.objects.all().db == REPLICA
        # a locking read is a write's: it and every read after it go to the primary
        assert Project.objects.select_for_update().db == "default"
        assert Project.objects.all().db == "default"
    assert router.db_for_write(Project) == "default"
    assert router.allow_migrate(REPLICA, "projects") is False
    assert router.allow_migrate("default", "projects") is True


@through_the_mirror
def test_pages_that_did_not_opt_in_and_writes_never_touch_the_replica(client, district):
    project = make_project(district.street_zhenhai)
    client.force_login(district.street_zhenhai)
    with queries_on(REPLICA) as on_replica:
        assert client.get(f"/projects/{project.pk}/").status_code == 200
        assert client.post("/api/v1/projects/", NEW, content_type="application/json").status_code
    assert on_replica == []


@through_the_mirror
def test_a_replica_that_refuses_connections_is_left_alone_and_the_page_reads_the_primary(
    client, district, settings, caplog, monkeypatch
):
    make_project(district.street_zhenhai, name="梅园路排水沟清淤")
    client.force_login(district.discipline)
    settings.REPLICA_DOWN_SECONDS = 60
    with replica_unreachable():
        attempts: list[int] = []
        connection = connections[REPLICA]
        connect = connection.ensure_connection

        def counted() -> None:
            attempts.append(1)
            connect()

        monkeypatch.setattr(connection, "ensure_connection", counted)
        with queries_on("default") as on_primary:
            pages = [client.get("/dashboards/projects/") for _ in range(2)]
        assert [page.status_code for page in pages] == [200, 200]
        assert all("梅园路排水沟清淤" in page.content.decode() for page in pages)
        assert read(on_primary, "projects_project")
        assert len(attempts) == 1  # the second page did not try: the replica is down a while
        assert [r.getMessage()[:26] for r in caplog.records if r.name == "core.replica"] == [
            "replica not used for 60 s,"
        ]

        # once the while is over it is tried again, once
        forget_health()
        assert client.get("/dashboards/projects/").status_code == 200
        assert len(attempts) == 2


def _lose(connection) -> None:
    """The replica goes away under an open connection: its server process is ended on
    PostgreSQL; SQLite has no server, so its driver reports the error a lost file would."""
    if connection.vendor == "postgresql":
        pid = connection.connection.get_backend_pid()
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.05)
        raise AssertionError("the replica's connection was not ended")
    with connection.wrap_database_errors:
        raise connection.Database.OperationalError("disk I/O error")


@through_the_mirror
def test_a_replica_lost_in_the_middle_of_a_page_is_marked_down_and_the_page_read_again(
    client, district, caplog
):
    make_project(district.street_zhenhai, name="梅园路排水沟清淤")
    client.force_login(district.discipline)
    lost: list[str] = []

    def lose_once(execute, sql, params, many, context):
        if not lost and "pg_last_wal_replay_lsn" not in sql:  # a page's query, not the lag's
            lost.append(sql)
            _lose(context["connection"])
        return execute(sql, params, many, context)

    with connections[REPLICA].execute_wrapper(lose_once):
        response = client.get("/dashboards/projects/")
    assert lost, "the page never read the replica"
    assert response.status_code == 200
    assert "梅园路排水沟清淤" in response.content.decode()
    messages = [r.getMessage() for r in caplog.records if r.name == "core.replica"]
    assert len(messages) == 1 and "failed during /dashboards/projects/" in messages[0]
    if connections[REPLICA].vendor == "postgresql":  # Django keeps in-memory SQLite open
        assert connections[REPLICA].connection is None
    with reads_from_replica():
        assert not replica_usable()


@through_the_mirror
def test_a_replica_too_far_behind_is_not_read(client, district, settings, caplog, monkeypatch):
    settings.REPLICA_MAX_LAG_SECONDS = 30
    monkeypatch.setattr(replica, "lag_seconds", lambda: 95.0)
    client.force_login(district.street_zhenhai)
    with queries_on(REPLICA) as on_replica:
        assert client.get("/api/v1/projects/").status_code == 200
    assert not read(on_replica, "projects_project")
    assert any("95.0 s behind the primary" in r.getMessage() for r in caplog.records)


# Read from the replica, GET and HEAD only: the dashboards, exports, lists and open data
# (docs/architecture.md, "Reads from a replica").
OPTED_IN = {
    "home",
    "open-data",
    "open-audit-heads",
    "accounts:directory",
    "approvals:flags",
    "dashboards:discipline",
    "dashboards:report",
    "dashboards:map",
    "dashboards:projects",
    "dashboards:timeline",
    "dashboards:anomalies",
    "dashboards:anomaly",
    "dashboards:leads",
    "dashboards:audit_heads",
    "inspections:ledger",
    "inspections:ledger_export",
    "inspections:plans",
    "inspections:plan_export",
    "inspections:rounds",
    "inspections:round_export",
    "performance:ranking",
    "performance:report_pdf",
    "performance:report_xlsx",
    "performance:credit",
    "performance:warnings",
    "performance:risk",
    "performance:demonstration",
    "performance:demonstration_year",
    "projects:list",
    "projects:payment_ledger",
    "projects:payment_queue",
    "ratings:moderation",
    "ratings:reports",
    "ratings:rewards",
    "api-dashboards-map",
    "api-open-oc4ids",
    "api-open-oc4ids-project",
    "api-projects",
    "api-payments",
    "api-flags",
    "api-spot-check-plans",
    "api-performance-scores",
    "api-performance-warnings",
    "api-performance-credit",
}


def _routes(patterns, namespace: str = "") -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


def test_the_views_that_read_from_the_replica_are_the_listed_ones():
    opted = {
        name
        for name, view in _routes(get_resolver().url_patterns)
        if hasattr(view, "replica_reads")
    }
    assert opted == OPTED_IN


def _settings_in_a_process(module: str, **env: str) -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'databases': {k: {'options': v.get('OPTIONS', {}),"
        " 'age': v.get('CONN_MAX_AGE'), 'mirror': v.get('TEST', {}).get('MIRROR')}"
        " for k, v in s.DATABASES.items()}, 'routers': s.DATABASE_ROUTERS,"
        " 'pin': 'core.replica.ReplicaPinMiddleware' in s.MIDDLEWARE}))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_replica_url_everything_stays_on_default_and_with_one_reads_may_go_there():
    embedded = _settings_in_a_process("config.settings.local")
    assert list(embedded["databases"]) == ["default"]
    assert (embedded["routers"], embedded["pin"]) == ([], False)

    production = _settings_in_a_process(
        "config.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="lingxing.example",
        TRUSTED_PROXY_HOPS="1",
        DATABASE_URL="postgres://lingxing:pw@postgres:5432/lingxing",
        DATABASE_REPLICA_URL="postgres://lingxing:pw@postgres-replica:5432/lingxing",
    )
    assert list(production["databases"]) == ["default", REPLICA]
    assert production["databases"][REPLICA] == {
        "options": {"connect_timeout": 2},
        "age": 60,
        "mirror": "default",
    }
    assert (production["routers"], production["pin"]) == (["core.replica.ReplicaRouter"], True)


@pytest.mark.django_db(transaction=True)
def test_a_block_that_opts_in_reads_the_primary_where_there_is_no_replica():
    """A job's reads_from_replica block (an export's maker) where no replica is configured:
    every read, raw SQL's included, goes to the primary, and no replica is asked about."""
    from unittest import mock

    from core import replica

    asked = mock.Mock(side_effect=AssertionError("no replica to ask about"))
    with (
        mock.patch.object(replica, "configured", return_value=False),
        mock.patch.object(replica, "replica_usable", asked),
        replica.reads_from_replica(),
    ):
        assert replica.read_alias() == "default"
    assert not asked.called
