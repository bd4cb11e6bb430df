"""The jobs can be trusted: a run killed midway leaves nothing, concurrent runs give identical
tables and no duplicate events, tasks run on a real Celery worker after commit, and a task
enqueued while Redis is down is published once it is back (a Redis of the test's own)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from config.celery import app as celery_app
from core.audit import APPEND_LOCK_CLASS
from core.models import AuditEvent, JobRun, JobState, OutboxMessage
from core.outbox import enqueue, relay
from performance.events import PerformanceEvents
from tests.workers import start_worker

from ..credit import credit_nightly
from ..models import Blacklisting, CompanyScore, ProjectRisk, ScoringPeriod
from ..scoring import performance_score_quarter, period_digest
from .test_credit import _violations, _working_days
from .test_scoring import at, two_bottom_quarters, under_way, worked_example

ROOT = Path(settings.BASE_DIR)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _env(redis_url: str | None = None) -> dict:
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url or settings.REDIS_URL,
    }


def _wait(condition, timeout=60, what="condition", proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(proc.stdout.read() if proc.stdout else "process ended")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _table_hash(quarter: str) -> str:
    return period_digest(ScoringPeriod.objects.get(quarter=quarter).pk)


def test_a_run_killed_midway_leaves_no_half_written_period(district):
    worked_example(district)
    # Hold every audit chain's lock: the run writes its scores, then waits at its audit event.
    with transaction.atomic():
        with connection.cursor() as cursor:
            for chain in range(1, settings.AUDIT_CHAINS + 1):
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [APPEND_LOCK_CLASS, chain])
        run = subprocess.Popen(
            [sys.executable, "manage.py", "score_quarter", "2026Q3"],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def waiting_on_the_lock() -> bool:
            with connection.cursor() as c:
                # One backend waits for an audit chain's lock (class APPEND_LOCK_CLASS).
                c.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND classid = %s AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())",
                    [APPEND_LOCK_CLASS],
                )
                return c.fetchone()[0] == 1

        _wait(waiting_on_the_lock, what="the run to reach its audit event", proc=run)
        # Its rows are written but not committed; kill it there.
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)

    def gone() -> bool:
        with connection.cursor() as c:
            # this database's locks only: another database on the server may append meanwhile
            c.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s"
                " AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())",
                [APPEND_LOCK_CLASS],
            )
            return c.fetchone()[0] == 0

    _wait(gone, what="the killed run's backend to roll back")
    assert ScoringPeriod.objects.count() == 0
    assert CompanyScore.objects.count() == 0
    assert not AuditEvent.objects.filter(verb=PerformanceEvents.SCORED).exists()
    # The same command, not killed, writes the period.
    subprocess.run(
        [sys.executable, "manage.py", "score_quarter", "2026Q3", "--quiet"],
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert CompanyScore.objects.filter(period__quarter="2026Q3").count() == 6


def _concurrently(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def test_two_concurrent_runs_give_the_same_table_and_one_suspension(district):
    two_bottom_quarters(district)  # scores 2026Q2 and 2026Q3 once
    reference = _table_hash("2026Q3")
    _concurrently(2, lambda: performance_score_quarter(quarter="2026Q3"))
    assert _table_hash("2026Q3") == reference
    assert ScoringPeriod.objects.get(quarter="2026Q3").digest == reference
    assert AuditEvent.objects.filter(verb=PerformanceEvents.SUSPENDED).count() == 1
    assert AuditEvent.objects.filter(verb=PerformanceEvents.SCORED).count() == 2  # Q2 and Q3


def test_two_concurrent_credit_runs_blacklist_once(district):
    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
    _violations(project, _working_days(date(2026, 8, 3), 10))
    _concurrently(2, lambda: credit_nightly(today=date(2026, 8, 24)))
    assert Blacklisting.objects.count() == 1
    assert AuditEvent.objects.filter(verb=PerformanceEvents.BLACKLISTED).count() == 1
    assert AuditEvent.objects.filter(verb=PerformanceEvents.CREDIT_STATUS_CHANGED).count() == 1


def _worker(queue: str, redis_url: str):
    return start_worker(queue, _env(redis_url), text=True)


def _stop(proc):
    proc.terminate()
    try:
        return proc.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


@pytest.fixture
def real_broker(settings):
    """Tasks published to Redis for real, on a queue of this test's own."""
    queue = f"perf-{uuid.uuid4().hex[:8]}"
    settings.OUTBOX_TASK_QUEUE = queue
    eager, broker = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.broker_url = broker


@pytest.mark.redis
def test_jobs_enqueued_after_commit_run_on_a_real_worker_and_twice_change_nothing(
    district, real_broker
):
    two_bottom_quarters(district)
    reference = _table_hash("2026Q3")
    worker = _worker(real_broker, settings.REDIS_URL)
    try:
        with transaction.atomic():
            ids = [
                enqueue("performance.tasks.score_quarter", quarter="2026Q3").pk,
                enqueue("performance.tasks.credit_nightly", today="2027-01-04").pk,
                enqueue("performance.tasks.risk_recompute").pk,
            ]
            # Nothing is published before the commit.
            assert not OutboxMessage.objects.filter(pk__in=ids, sent_at__isnull=False).exists()
        assert OutboxMessage.objects.filter(pk__in=ids, sent_at__isnull=False).count() == 3
        district.builder.refresh_from_db()
        _wait(lambda: ProjectRisk.objects.count() == 6, what="the risk task", proc=worker)
        # the long jobs went chunk after chunk, each chunk a task of its own on the same queue
        _wait(
            lambda: JobRun.objects.filter(state=JobState.DONE).count() == 2,
            what="the chunked runs",
            proc=worker,
        )
        _wait(
            lambda: AuditEvent.objects.filter(
                verb=PerformanceEvents.CREDIT_STATUS_CHANGED
            ).exists(),
            what="the credit task",
            proc=worker,
        )
    finally:
        log = _stop(worker)
    assert "performance.tasks.score_quarter" in log and "succeeded" in log
    assert "core.tasks.job_chunk" in log
    runs = dict(JobRun.objects.values_list("job", "chunks"))
    assert runs == {"performance-score-quarterly": 2, "performance-risk-nightly": 2}
    assert _table_hash("2026Q3") == reference
    district.builder.refresh_from_db()
    assert district.builder.credit_status == "suspended"
    assert AuditEvent.objects.filter(verb=PerformanceEvents.SUSPENDED).count() == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis(port: int):
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def up() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    _wait(up, timeout=10, what="redis-server")
    return proc


@pytest.mark.redis
def test_a_task_enqueued_while_redis_is_down_is_not_lost(district, real_broker):
    with at(date(2026, 8, 3)):
        project = under_way(district, district.builder)
    # what setting the project up enqueued (its notices and risk) is not this test's message
    OutboxMessage.objects.update(sent_at=timezone.now())
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    own = _redis(port)
    celery_app.conf.broker_url = url
    own.terminate()  # our own Redis, never the machine's
    own.wait(timeout=10)
    with transaction.atomic():
        enqueue("performance.tasks.risk_recompute", project_ids=[project.pk])
    message = OutboxMessage.objects.get(sent_at=None)
    assert message.attempts == 1 and message.last_error
    own = _redis(port)
    worker = _worker(real_broker, url)
    try:
        assert relay(older_than=__import__("datetime").timedelta(0)) == 1
        message.refresh_from_db()
        assert message.sent_at is not None
        _wait(
            lambda: ProjectRisk.objects.filter(project=project).exists(),
            what="the task published late",
            proc=worker,
        )
    finally:
        _stop(worker)
        own.terminate()
        own.wait(timeout=10)
