"""The app against a real primary and its streaming replica (made by tests/pgcluster.py), in a
process of its own: `python -m tests.replica_scenario` with DATABASE_URL, DATABASE_REPLICA_URL
and LX_REPLICA_STOP (the command that stops the replica, as JSON). Users write and read through
the pages and the API as in production; what each request read, and from where, is printed as
one line of JSON for tests/test_replica_streaming.py to judge."""

import json
import logging
import os
import subprocess
import time
from contextlib import closing
from typing import Any

import django

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from accounts.tests.factories import district  # noqa: E402
from core.replica import PIN_COOKIE, REPLICA, forget_health  # noqa: E402
from projects.tests.factories import (  # noqa: E402
    ensure_default_start_policy,
    ensure_default_tier_policy,
)

LIST = "/api/v1/projects/"


class _NoMigrations(dict):
    """The tables straight from the models, as pytest-django's --nomigrations makes them: a
    second or two instead of half a minute of migrations (their SQL extras are not needed)."""

    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: str) -> None:
        return None


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class _Sent:
    """The SELECTs of project rows each database was sent, per request."""

    def __init__(self) -> None:
        self.by_alias: dict[str, list[str]] = {"default": [], REPLICA: []}

    def wrapper(self, alias: str):
        def count(execute, sql, params, many, context):
            self.by_alias[alias].append(sql)
            return execute(sql, params, many, context)

        return count

    def take(self) -> dict[str, int]:
        taken = {
            alias: sum(
                1
                for sql in sent
                if "projects_project" in sql and sql.lstrip().upper().startswith("SELECT")
            )
            for alias, sent in self.by_alias.items()
        }
        taken["replica_queries"] = len(self.by_alias[REPLICA])
        for sent in self.by_alias.values():
            sent.clear()
        return taken


def _observer(alias: str):
    """A connection of the scenario's own, beside the app's."""
    db = settings.DATABASES[alias]
    connection = psycopg2.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
    )
    connection.autocommit = True
    return connection


def _one(connection, sql: str, params: list | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting until {what}")


def main() -> dict:
    log = _Log()
    logging.getLogger("core.replica").addHandler(log)
    # The replica's connection is kept between requests, as in production (CONN_MAX_AGE), so
    # that stopping the replica leaves the app a dead connection to find mid-page. Its lag is
    # measured when the scenario asks (forget_health), not on a clock.
    connections[REPLICA].settings_dict["CONN_MAX_AGE"] = 60
    settings.REPLICA_CHECK_SECONDS = 600

    with override_settings(MIGRATION_MODULES=_NoMigrations()):
        call_command("migrate", run_syncdb=True, verbosity=0)
    ensure_default_tier_policy()
    ensure_default_start_policy()
    people = district()

    primary, replica = _observer("default"), _observer(REPLICA)

    def caught_up() -> bool:
        target = _one(primary, "SELECT pg_current_wal_lsn()::text")
        return _one(replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])

    sent = _Sent()
    writer, colleague, officer = (Client(HTTP_HOST="localhost") for _ in range(3))
    writer.force_login(people.street_zhenhai)
    colleague.force_login(people.street_zhenhai_2)
    officer.force_login(people.discipline)
    new = {
        "address": "荔城区镇海街道梅园路",
        "category": "drainage",
        "budget_amount": "38000",
        "planned_start": "2026-12-14",
        "planned_end": "2027-02-26",
    }
    seen: dict[str, Any] = {}

    def write(name: str) -> dict:
        began = time.monotonic()
        response = writer.post(LIST, {**new, "name": name}, content_type="application/json")
        seen["last_write"] = time.monotonic()
        body = response.json()
        return {
            "status": response.status_code,
            "id": body.get("id"),
            "message": body.get("message", ""),
            "pinned": PIN_COOKIE in response.cookies,
            "seconds": round(time.monotonic() - began, 3),
            **sent.take(),
        }

    def listing(client: Client) -> dict:
        began = time.monotonic()
        response = client.get(LIST)
        body = response.json() if response.status_code == 200 else {}
        return {
            "status": response.status_code,
            "ids": sorted(p["id"] for p in body.get("results", [])),
            "seconds": round(time.monotonic() - began, 3),
            **sent.take(),
        }

    def dashboard() -> dict:
        response = officer.get("/dashboards/projects/")
        page = response.content.decode()
        return {
            "status": response.status_code,
            "names": sorted(n for n in ("梅园路一号", "梅园路二号") if n in page),
            "pinned": PIN_COOKIE in response.cookies,
            **sent.take(),
        }

    steps: dict[str, Any] = {}
    with (
        connections["default"].execute_wrapper(sent.wrapper("default")),
        connections[REPLICA].execute_wrapper(sent.wrapper(REPLICA)),
    ):
        _until(caught_up, 20, "the replica has the tables and the people")
        # 1. a write, then its writer's read: pinned to the primary
        steps["write_1"] = first = write("梅园路一号")
        steps["writer_after_write"] = listing(writer)
        # 2. the write reaches the replica, and a colleague reads it there
        _until(caught_up, 20, "the replica has the first project")
        steps["on_replica"] = _one(
            replica, "SELECT count(*) FROM projects_project WHERE id = %s", [first["id"]]
        )
        steps["colleague"] = listing(colleague)

        # 3. the replica stops applying what it receives: the writer still reads their new
        # project (from the primary), the colleague does not yet (from the replica)
        _one(replica, "SELECT pg_wal_replay_pause()::text")
        steps["write_2"] = write("梅园路二号")
        steps["writer_while_paused"] = listing(writer)
        steps["colleague_while_paused"] = listing(colleague)

        # 4. further behind than the limit: the colleague reads the primary
        settings.REPLICA_MAX_LAG_SECONDS = 1
        _until(
            lambda: (
                _one(replica, "SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
                > 1.5
            ),
            10,
            "the paused replica is 1.5 s behind",
        )
        forget_health()
        steps["colleague_lagging"] = listing(colleague)

        # 5. replay resumes: the replica is read again and has caught up
        _one(replica, "SELECT pg_wal_replay_resume()::text")
        settings.REPLICA_MAX_LAG_SECONDS = 30
        _until(caught_up, 20, "the replica caught up after the pause")
        forget_health()
        steps["colleague_resumed"] = listing(colleague)

        # 6. the writer's pin is over
        _until(
            lambda: time.monotonic() - seen["last_write"] > settings.REPLICA_PIN_SECONDS + 0.2,
            settings.REPLICA_PIN_SECONDS + 1,
            "the pin is over",
        )
        steps["writer_pin_over"] = listing(writer)

        # 7. the discipline dashboard's list, twice: from the replica, and its recorded read
        # does not pin the officer
        steps["dashboard"] = [dashboard(), dashboard()]

        # 8. the replica stops under an open connection
        steps["replica_connection_open"] = connections[REPLICA].connection is not None
        subprocess.run(json.loads(os.environ["LX_REPLICA_STOP"]), check=True, timeout=30)
        steps["after_stop_lost_mid_page"] = listing(colleague)
        steps["after_stop_marked_down"] = listing(colleague)
        steps["after_stop_dashboard"] = dashboard()
        forget_health()  # REPLICA_DOWN_SECONDS later: tried again, refused
        steps["after_stop_refused"] = listing(colleague)
        steps["after_stop_write"] = write("梅园路三号")

    for each in (primary, replica):
        with closing(each):
            pass
    steps["log"] = log.lines
    return steps


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
