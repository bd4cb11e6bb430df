"""Celery tasks of performance and credit: each takes plain values, calls one service, and can
run twice without harm (acks_late: a task lost with its worker runs again)."""

from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.chunks import job_start
from core.dates import local_date

from . import alerts, credit, demonstration, risk, schedule

RETRY: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 5,
}


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else local_date(timezone.now())


@shared_task(**RETRY)
def score_quarter(quarter: str | None = None) -> str:
    """Beat runs this at the start of a quarter for the quarter just ended: a run in chunks of
    projects (performance.jobs), its progress in the admin's job runs."""
    run = job_start("performance-score-quarterly", quarter=quarter)
    return f"job run {run.pk}: {run.state}"


@shared_task(**RETRY)
def credit_nightly(today: str | None = None) -> dict:
    return credit.credit_nightly(today=_day(today))


@shared_task(**RETRY)
def risk_recompute(
    project_ids: list[int] | None = None,
    organisation_ids: list[int] | None = None,
    today: str | None = None,
) -> int | str:
    """Some projects' colours after a write; without ids (the nightly run) every open project,
    in chunks (performance.jobs), its progress in the admin's job runs."""
    if project_ids is None and organisation_ids is None:
        run = job_start("performance-risk-nightly", today=today)
        return f"job run {run.pk}: {run.state}"
    return len(
        risk.risk_recompute(
            project_ids=project_ids, organisation_ids=organisation_ids, today=_day(today)
        )
    )


@shared_task(**RETRY)
def warnings_refresh(today: str | None = None) -> dict:
    """The nightly warnings, after the ledger items that late projects' contractors owe."""
    schedule.late_items_open(today=_day(today))
    return alerts.warnings_refresh(today=_day(today))


@shared_task(**RETRY)
def decision_notices(project_ids: list[int]) -> dict:
    """A return, refusal or returned payment in the notification centre right after it."""
    return alerts.decision_notices_refresh(project_ids=project_ids)


@shared_task(**RETRY)
def warnings_send_email() -> int:
    return alerts.warnings_send_email()


@shared_task(**RETRY)
def demonstration_yearly(year: int | None = None) -> int:
    """In January, the year just ended."""
    year = year or local_date(timezone.now()).year - 1
    return len(demonstration.demonstration_propose(year=year))
