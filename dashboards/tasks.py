"""Celery tasks of the dashboards: refresh the roll-up of a province's figures (docs/province.md).
Runs twice without harm (a refresh replaces the whole view)."""

from celery import shared_task
from django.db import connection

from .rollups import rollups_refresh


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rollups_refresh_task() -> str:
    if connection.vendor != "postgresql":
        return "no roll-up on this database"
    return f"roll-up refreshed in {rollups_refresh():.1f} s"
