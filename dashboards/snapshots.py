"""Anomaly lists of a region's view, computed ahead (docs/province.md, "Anomaly lists of a
region"). Over a province's or a city's projects some lists take seconds to compute (tens of
millions of ratings for the rating campaigns); the officer's page cannot wait for them. A Celery
job computes every list of every region — the province, each city, each district — in every
language every ANOMALY_SNAPSHOT_MINUTES, and keeps it as shown, a page per row of
AnomalySnapshot. A region's view (nothing but the region narrowing it, all time) reads its page
from there in one query and says as of when; any other view (a street office, a contractor, a
period), the Excel export and the embedded default compute live, as before."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.template import Context
from django.template.base import render_value_in_context
from django.utils import timezone, translation

from accounts.models import Region
from accounts.selectors import districts_under
from projects.models import Project

from .anomalies import KINDS, Kind
from .models import AnomalySnapshot
from .rows import ALL_TIME, AnyRow, Period, name_projects

# Rows a page of an anomaly list shows (the strongest first); the Excel export holds them all.
ANOMALY_PAGE_ROWS = 100
# The strongest rows of a list kept for a region's view: a hundred pages. Where a province's list
# is longer, the page says how many there are and that these are the strongest.
SNAPSHOT_ROWS = 10_000


@dataclass(frozen=True)
class ShownRow:
    """A row as the list showed it when it was computed: what the page and a lead read."""

    key: str
    project_id: int | None
    cells: list[str]
    strength: Decimal | None
    why: str
    evidence: list[tuple[str, str]]

    @classmethod
    def of(cls, row: AnyRow) -> "ShownRow":
        # each cell as the page prints it ({{ cell }}: localised), escaped when shown
        plain = Context(autoescape=False)
        return cls(
            key=row.key,
            project_id=row.project.pk if row.project is not None else None,
            cells=[str(render_value_in_context(cell, plain)) for cell in row.cells],
            strength=row.strength,
            why=str(row.why),
            evidence=[(str(label), url) for label, url in row.evidence],
        )

    @classmethod
    def load(cls, data: dict) -> "ShownRow":
        strength = data["strength"]
        return cls(
            key=data["key"],
            project_id=data["project"],
            cells=data["cells"],
            strength=Decimal(strength) if strength is not None else None,
            why=data["why"],
            evidence=[(label, url) for label, url in data["evidence"]],
        )

    def dump(self) -> dict:
        return {
            "key": self.key,
            "project": self.project_id,
            "cells": self.cells,
            "strength": str(self.strength) if self.strength is not None else None,
            "why": self.why,
            "evidence": [list(link) for link in self.evidence],
        }


@dataclass(frozen=True)
class SnapshotPage:
    rows: list[ShownRow]
    count: int
    kept: int
    computed_at: datetime


def snapshots_enabled() -> bool:
    return settings.ANOMALY_SNAPSHOTS and connection.vendor == "postgresql"


def snapshot_region(project_filter, period: Period) -> int | None:
    """The region whose snapshot serves this view: the chosen region, else the officer's own,
    when nothing else narrows the list; None when the list must be computed live."""
    if not snapshots_enabled() or period != ALL_TIME:
        return None
    active = project_filter.active
    if not set(active) <= {"region"}:
        return None
    region = project_filter.form.cleaned_data.get("region") if active else None
    return region.pk if region is not None else project_filter.own_region


def snapshot_page(kind: str, region: int, number: int) -> SnapshotPage | None:
    """Page `number` (from 1) of the kept list in the active language; None when there is no
    snapshot of it yet (the page computes the list live)."""
    page = (
        AnomalySnapshot.objects.filter(
            kind=kind, region_id=region, language=translation.get_language(), number=number
        )
        .only("rows", "count", "kept", "computed_at")
        .first()
    )
    if page is None:
        return None
    rows = [ShownRow.load(r) for r in page.rows]
    return SnapshotPage(rows, page.count, page.kept, page.computed_at)


def snapshot_row(kind: str, region: int, key: str) -> ShownRow | None:
    """The kept row `key` of a region's list (a lead opened from the page the officer saw)."""
    pages = AnomalySnapshot.objects.filter(
        kind=kind, region_id=region, language=translation.get_language()
    ).values_list("rows", flat=True)
    for rows in pages.iterator():
        for data in rows:
            if data["key"] == key:
                return ShownRow.load(data)
    return None


def _shown(kind: Kind, projects, language: str) -> tuple[list[ShownRow], int]:
    """The strongest SNAPSHOT_ROWS of the list over `projects` as a page in `language` shows
    them (their text is built in it), and how many rows the list has."""
    with translation.override(language):
        rows = kind.rows(projects, ALL_TIME)
        count = len(rows)
        del rows[SNAPSHOT_ROWS:]
        name_projects(rows)
        shown = [ShownRow.of(row) for row in rows]
        rows.clear()
    return shown, count


def anomalies_snapshot(region: Region) -> int:
    """Compute every list of `region` in every language and replace its kept pages, one
    transaction per list (a reader sees the old list or the new, never half). Returns the rows
    kept."""
    projects = Project.objects.filter(district__in=districts_under(region.pk))
    kept = 0
    for kind in KINDS.values():
        for language, _name in settings.LANGUAGES:
            shown, count = _shown(kind, projects, language)
            now = timezone.now()
            pages = [
                AnomalySnapshot(
                    kind=kind.slug,
                    region=region,
                    language=language,
                    number=n // ANOMALY_PAGE_ROWS + 1,
                    count=count,
                    kept=len(shown),
                    computed_at=now,
                    rows=[r.dump() for r in shown[n : n + ANOMALY_PAGE_ROWS]],
                )
                for n in range(0, max(len(shown), 1), ANOMALY_PAGE_ROWS)
            ]
            with transaction.atomic():
                AnomalySnapshot.objects.filter(
                    kind=kind.slug, region=region, language=language
                ).delete()
                AnomalySnapshot.objects.bulk_create(pages)
            kept += len(shown)
    return kept


def snapshot_regions() -> Iterable[int]:
    """Every region: the province, its cities, its districts."""
    return Region.objects.order_by("pk").values_list("pk", flat=True)
