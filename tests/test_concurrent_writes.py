"""Sixteen filings with their attachments, reports, duplicate progress sends, reads, sends of one
draft's filing and of one change decision at the same moment give no 5xx and store exactly what
they should — on the embedded default's SQLite file and on PostgreSQL
(#16). Each run is a separate process on a fresh database: tests/concurrent_writes.py."""

import uuid

import pytest

from tests.scenario import run_scenario


def _run(database_url: str) -> dict:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": "",  # the embedded default: tasks eager, cache in the process
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    return run_scenario("tests.concurrent_writes", env)


def _assert_clean(result: dict) -> None:
    statuses = result["statuses"]
    bad = {k: v for k, v in statuses.items() if k.split(":")[1][:1] not in "23"}
    assert bad == {}, statuses
    assert statuses.get("create:302") == 16 and result["created"] == 16
    assert statuses.get("report:302") == 16 and result["reports"] == 16
    # the same entry sent sixteen times: stored once (one before, one now), answered 201 once
    assert statuses.get("progress:201") == 1 and statuses.get("progress:200") == 15
    assert result["progress_entries"] == 2
    assert statuses.get("read:200") == 16
    assert result["attachments"] == 16  # each filing's file stored with it, none twice
    # one draft filed sixteen times at once by its filer: filed once, every answer the first's
    assert statuses.get("file:302") == 16
    assert (result["filed"], result["file_events"]) == ("approved", 1)
    # one change approved sixteen times at once: applied once
    assert statuses.get("decide:302") == 16
    assert (result["changes_total"], result["change_events"]) == ("5000.00", 1)
    # and each of the sixteen was told what the first was told: done, not "already done"
    assert result["messages"] == {"file:success": 16, "decide:success": 16}, result["messages"]


def test_sixteen_of_each_at_once_on_the_embedded_sqlite(tmp_path):
    _assert_clean(_run(f"sqlite:///{tmp_path / 'db.sqlite3'}"))


@pytest.mark.postgres
def test_sixteen_of_each_at_once_on_postgresql():
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"lx_concurrent_{uuid.uuid4().hex[:8]}"
    params = {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": "postgres",
    }
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
        _assert_clean(_run(f"postgres://{auth}{params['host']}:{params['port']}/{name}"))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
