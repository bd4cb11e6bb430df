"""化整为零 detection (docs/rules.md §9): one street's projects, close in place or name and in time,
whose sum reaches a higher tier than each has alone."""

from datetime import timedelta
from decimal import Decimal
from difflib import SequenceMatcher

from django.utils import timezone

from core import geo
from projects.choices import TIER_RANK, ProjectStatus
from projects.models import Project
from projects.tiers import project_counting_amount, tier_for_amount

WINDOW_DAYS = 90
NEAR_METRES = 500
SIMILAR_NAME_RATIO = 0.6


def distance_metres(a: Project, b: Project) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    return geo.distance_metres(a.latitude, a.longitude, b.latitude, b.longitude)


def names_similar(a: str, b: str) -> bool:
    return SequenceMatcher(None, a, b).ratio() >= SIMILAR_NAME_RATIO


def possible_split_partners(project: Project) -> list[tuple[Project, str]]:
    """The street's recent projects that, added to this one, reach a higher tier."""
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    candidates = (
        Project.objects.filter(street_id=project.street_id, created_at__gte=since)
        .exclude(pk=project.pk)
        .exclude(status__in=[ProjectStatus.CANCELLED, ProjectStatus.REJECTED])
        .select_related("contract")
    )
    partners = []
    for other in candidates:
        metres = distance_metres(project, other)
        if metres is not None and metres <= NEAR_METRES:
            partners.append((other, f"相距约 {metres:.0f} 米"))
        elif names_similar(project.name, other.name):
            partners.append((other, "名称相近"))
    if not partners:
        return []
    total = project_counting_amount(project) + sum(
        (project_counting_amount(p) for p, _why in partners), Decimal("0")
    )
    combined = tier_for_amount(total, project.tier_policy)
    highest_alone = max(TIER_RANK[p.tier] for p in (project, *(p for p, _why in partners)))
    if TIER_RANK[combined] <= highest_alone:
        return []
    return partners
