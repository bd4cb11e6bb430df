"""The private services of the fault tests: one PostgreSQL cluster (migrated once) and one
Redis per session, fresh job tables and queue per test, every process killed at the end."""

import os
import subprocess
import sys

import pytest

from .services import DB_NAME, ROOT, Postgres, Processes, Redis

TABLES = """
DROP TABLE IF EXISTS fault_run, fault_job, fault_effect;
CREATE TABLE fault_run (id bigserial PRIMARY KEY, job_id text NOT NULL, pid int NOT NULL,
                        at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE fault_job (job_id text PRIMARY KEY,
                        at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE fault_effect (id bigserial PRIMARY KEY, job_id text NOT NULL,
                           at timestamptz NOT NULL DEFAULT clock_timestamp());
TRUNCATE core_outboxmessage;
"""


@pytest.fixture(scope="session")
def cluster():
    postgres = Postgres()
    redis = Redis()
    try:
        postgres.start()
        postgres.execute(f"CREATE DATABASE {DB_NAME}", db="postgres")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        redis.start()
        yield postgres, redis, env
    finally:
        redis.destroy()
        postgres.destroy()


@pytest.fixture
def faults(cluster, tmp_path):
    postgres, redis, env = cluster
    if redis.proc is None or redis.proc.poll() is not None:
        redis.start()
    postgres.execute(TABLES)
    subprocess.run(
        ["redis-cli", "-p", str(redis.port), "FLUSHALL"],
        check=True,
        capture_output=True,
        timeout=10,
    )
    processes = Processes(env, tmp_path)
    try:
        yield postgres, redis, processes
    finally:
        processes.kill_all()
