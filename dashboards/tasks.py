"""Celery tasks of the dashboards: refresh the roll-up of a province's figures and the snapshots
of the anomaly lists of its regions (docs/province.md). Each runs twice without harm (a refresh
replaces the whole view; a region's lists replace its kept pages)."""

from celery import shared_task
from django.db import connection

from accounts.models import Region

from .rollups import rollups_refresh
from .snapshots import anomalies_snapshot, snapshot_regions, snapshots_enabled


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rollups_refresh_task() -> str:
    if connection.vendor != "postgresql":
        return "no roll-up on this database"
    return f"roll-up refreshed in {rollups_refresh():.1f} s"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def anomalies_snapshot_task() -> str:
    """Every ANOMALY_SNAPSHOT_MINUTES: one task per region, so that the workers of the jobs
    queue share a province's regions."""
    if not snapshots_enabled():
        return "no anomaly snapshots on this database"
    regions = list(snapshot_regions())
    for region_id in regions:
        anomalies_snapshot_region_task.delay(region_id)
    return f"{len(regions)} regions to compute"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def anomalies_snapshot_region_task(region_id: int) -> str:
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return "no such region"
    return f"{anomalies_snapshot(region)} rows kept for {region.name}"
