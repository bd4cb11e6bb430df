"""Jobs survive their services failing: 100 idempotent jobs go through the transactional
outbox and a real Celery worker while the worker is SIGKILLed mid-task, Redis is SIGKILLed
and restarted, or PostgreSQL is stopped and started. None is lost, none applied twice, and the
work is all done within 30 s of the service coming back. Every service is the test's own (a
private cluster and Redis on free ports); every process is killed at the end, pass or fail."""

import time

import pytest

from .services import wait_for

JOBS = 100
RECOVERY_LIMIT = 30
FIGURES: dict[str, dict] = {}
pytestmark = pytest.mark.timeout(120)


def _tally(postgres) -> dict:
    return {
        "applied": postgres.count("SELECT count(*) FROM fault_job"),
        "effects": postgres.count("SELECT count(*) FROM fault_effect"),
        "duplicated": postgres.count(
            "SELECT count(*) FROM (SELECT job_id FROM fault_effect "
            "GROUP BY job_id HAVING count(*) > 1) d"
        ),
        "deliveries": postgres.count("SELECT count(*) FROM fault_run"),
    }


def _all_applied(postgres):
    return lambda: postgres.count("SELECT count(*) FROM fault_job") == JOBS


def _check(name, postgres, processes, recovered_in, fault_at):
    tally = _tally(postgres)
    expected = {f"job-{n:03d}" for n in range(JOBS)}
    applied = {row[0] for row in postgres.execute("SELECT job_id FROM fault_job")}
    FIGURES[name] = {
        **tally,
        "lost": len(expected - applied),
        "fault_at_job": fault_at,
        "recovered_in_s": round(recovered_in, 1),
    }
    assert applied == expected, f"lost: {sorted(expected - applied)[:10]}"
    assert tally["effects"] == JOBS and tally["duplicated"] == 0
    assert recovered_in < RECOVERY_LIMIT


def _paced_load(postgres, processes):
    """A worker, and the producer committing a job every 50 ms; back once 30 are applied."""
    processes.worker("worker")
    producer = processes.start(
        "producer", "-m", "tests.faults.producer", str(JOBS), "--pace", "0.05"
    )
    wait_for(lambda: postgres.count("SELECT count(*) FROM fault_job") >= 30, 60, "30 jobs applied")
    return producer


def test_a_worker_killed_mid_task_loses_and_repeats_nothing(faults):
    postgres, _redis, processes = faults
    worker = processes.worker("worker-1")
    # job-040 takes 3 s inside its transaction: the worker is killed there.
    producer = processes.start(
        "producer", "-m", "tests.faults.producer", str(JOBS), "--hold", "job-040=3"
    )
    wait_for(
        lambda: postgres.count("SELECT count(*) FROM fault_run WHERE job_id = 'job-040'") == 1,
        60,
        "the worker to start job-040",
    )
    time.sleep(0.5)
    processes.kill(worker)  # SIGKILL, mid-task: its transaction is rolled back
    assert postgres.count("SELECT count(*) FROM fault_job WHERE job_id = 'job-040'") == 0
    fault_at = postgres.count("SELECT count(*) FROM fault_job")
    processes.worker("worker-2")
    recovered_in = wait_for(_all_applied(postgres), 60, "every job after the kill")
    assert producer.wait(timeout=30) == 0, processes.log("producer")
    # The killed delivery came back (visibility timeout) and was applied once.
    assert postgres.count("SELECT count(*) FROM fault_run WHERE job_id = 'job-040'") >= 2
    _check("worker SIGKILL mid-task", postgres, processes, recovered_in, fault_at)


def test_redis_killed_and_restarted_loses_and_repeats_nothing(faults):
    postgres, redis, processes = faults
    producer = _paced_load(postgres, processes)
    redis.kill()  # SIGKILL; its append-only file keeps what was queued
    fault_at = postgres.count("SELECT count(*) FROM fault_job")
    time.sleep(3)  # the producer keeps committing jobs; their publish fails, the rows wait
    unsent = postgres.count("SELECT count(*) FROM core_outboxmessage WHERE sent_at IS NULL")
    redis.start()
    recovered_in = wait_for(_all_applied(postgres), 60, "every job after Redis came back")
    assert producer.wait(timeout=30) == 0, processes.log("producer")
    assert unsent > 0  # the outage was real: publishes failed and were relayed later
    _check("Redis SIGKILL + restart", postgres, processes, recovered_in, fault_at)
    FIGURES["Redis SIGKILL + restart"]["published_late"] = unsent


def test_postgres_stopped_and_started_loses_and_repeats_nothing(faults):
    postgres, _redis, processes = faults
    producer = _paced_load(postgres, processes)
    fault_at = postgres.count("SELECT count(*) FROM fault_job")
    postgres.stop("immediate")  # like a crash: no checkpoint, recovery from the WAL
    time.sleep(3)  # tasks fail and retry; the producer retries its transactions
    postgres.start()
    recovered_in = wait_for(_all_applied(postgres), 60, "every job after PostgreSQL came back")
    assert producer.wait(timeout=30) == 0, processes.log("producer")
    _check("PostgreSQL stop (immediate) + start", postgres, processes, recovered_in, fault_at)


def test_print_figures():
    """Figures for the README (run with -s)."""
    for name, figures in FIGURES.items():
        print(f"\nFAULT {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
