"""Celery tasks of site supervision: the nightly search for days without a patrol log."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from core.dates import local_date

from .services import plan_month_draft, record_missing_patrol_logs

LOOK_BACK_DAYS = 7


@shared_task(acks_late=True)
def find_missing_patrol_logs(until: str | None = None) -> int:
    """Check the last week up to yesterday (or up to `until`, an ISO date, inclusive); days
    already checked record nothing again, so a missed night is caught up by the next one."""
    last = date.fromisoformat(until) if until else local_date(timezone.now()) - timedelta(days=1)
    return sum(
        len(record_missing_patrol_logs(last - timedelta(days=n)))
        for n in range(LOOK_BACK_DAYS - 1, -1, -1)
    )


@shared_task(acks_late=True)
def spot_check_plan_draft() -> int | None:
    """Daily; acts on the month's first working day only, and only if no plan was drawn."""
    plan = plan_month_draft(local_date(timezone.now()))
    return plan.pk if plan else None
