"""The dashboard's roll-up (docs/province.md): the figures that would aggregate a province's
live tables on every request — projects by street and status, tier, category, risk colour and
month, contracts and paid payments by street, ratings by status — kept per district in one
PostgreSQL materialised view (dashboards/migrations/0002_rollup.py), refreshed by the Celery
beat job every ROLLUP_MINUTES and read in one query. The page says how old its figures are."""

import time
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

from core.replica import read_alias

REFRESHED_KEY = "dashboards:rollup-refreshed"


def rollups_enabled(active_filters: dict) -> bool:
    """Whether this view reads the roll-up: on PostgreSQL, when switched on, and when nothing
    but the region narrows it (the roll-up is kept by district, not by tier or contractor)."""
    return (
        settings.DASHBOARD_ROLLUPS
        and connection.vendor == "postgresql"
        and set(active_filters) <= {"region"}
    )


def rollups_refresh() -> float:
    """Rebuild the view without blocking its readers; returns the seconds it took."""
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY dashboards_rollup")
    cache.set(REFRESHED_KEY, timezone.now().isoformat(), None)
    return time.perf_counter() - began


def refreshed_at() -> datetime | None:
    value = cache.get(REFRESHED_KEY)
    return datetime.fromisoformat(value) if value else None


def rollup_rows(districts: list[int] | None) -> list[tuple[str, int, int, str, int, Decimal]]:
    """(figure, district, street, key, count, amount) of the districts given (all: None)."""
    sql = "SELECT dim, district_id, street_id, key, n, amount FROM dashboards_rollup"
    params: list = []
    if districts is not None:
        sql += " WHERE district_id = ANY(%s)"
        params.append(districts)
    # the replica when the page reads from it (core/replica.py)
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
