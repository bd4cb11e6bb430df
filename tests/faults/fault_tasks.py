"""The job the fault tests run: apply one job id once, however often it is delivered. Every
delivery is counted (fault_run, committed at once); the job's effect (fault_effect, no unique
key) is written only by the delivery that claims the id in fault_job, in one transaction, so
a second application would show as a second effect row."""

import os
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection, transaction


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=0.5,
    retry_backoff_max=2,
    retry_jitter=False,
    max_retries=None,  # for ever: the test ends it
)  # type: ignore[call-overload]  # celery-types wants an int for max_retries
def apply_job(job_id: str, hold: float = 0.0) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO fault_run (job_id, pid) VALUES (%s, %s)", [job_id, os.getpid()])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO fault_job (job_id) VALUES (%s) ON CONFLICT DO NOTHING RETURNING job_id",
            [job_id],
        )
        if cursor.fetchone() is not None:
            cursor.execute("INSERT INTO fault_effect (job_id) VALUES (%s)", [job_id])
        if hold:
            time.sleep(hold)  # a slow job: the worker can be killed inside it
