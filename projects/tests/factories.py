"""Projects for tests, built through the services as a street office would."""

from datetime import date
from decimal import Decimal

from projects.choices import Category
from projects.services import project_create
from projects.services.filing import _project_transition


def project_data(**overrides) -> dict:
    data = {
        "name": "文献路背街小巷路面修复",
        "address": "荔城区镇海街道文献路",
        "latitude": Decimal("25.437200"),
        "longitude": Decimal("119.010500"),
        "category": Category.ROAD,
        "budget_amount": Decimal("38000.00"),
        "planned_start": date(2026, 12, 1),
        "planned_end": date(2027, 1, 31),
        "description": "路面破损修复",
    }
    data.update(overrides)
    return data


def make_project(actor, *, transitions: tuple[str, ...] = (), **overrides):
    # Without split detection (approvals' public entry): test projects share a name and place.
    project = project_create(actor=actor, data=project_data(**overrides))
    for name in transitions:
        project = _project_transition(actor=actor, project_id=project.pk, name=name)
    return project


def ensure_default_tier_policy():
    """The migration's policy; transactional tests flush it away with everything else."""
    from projects.models import TierPolicy

    policy, _ = TierPolicy.objects.get_or_create(
        effective_from=date(2020, 1, 1),
        defaults={"general_from": Decimal("50000.00"), "major_from": Decimal("500000.00")},
    )
    return policy


def ensure_default_start_policy():
    """The migration's 开工条件; transactional tests flush it away with everything else."""
    from projects.models import StartPolicy

    policy, _ = StartPolicy.objects.get_or_create(
        effective_from=date(2020, 1, 1),
        defaults={
            "eia_categories": ["drainage"],
            "dust_categories": ["road", "drainage", "greening"],
        },
    )
    return policy


def project_form_data(**overrides) -> dict:
    """A valid filing form (简易类, 38,000 元, in 拱辰街道); change fields with overrides."""
    return {
        "name": "拱辰小学操场翻新",
        "category": "other",
        "project_class": "B",
        "budget_amount": "38,000",
        "address": "荔城区拱辰街道",
        "latitude": "25.445800",
        "longitude": "118.995300",
        "planned_start": "2026-12-01",
        "planned_end": "2027-01-15",
        "description": "",
        **overrides,
    }


def ready_to_start(project, actor=None) -> None:
    """File every 开工条件 the policy asks of the project (docs/rules.md §3), as its street office
    would before starting work."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.services import start_document_record

    actor = actor or project.created_by
    for item in project.start_missing():
        start_document_record(
            actor=actor,
            project_id=project.pk,
            item=item,
            upload=SimpleUploadedFile(f"{item}.pdf", b"%PDF-1.4 test", "application/pdf"),
            reference=f"{item}-{project.pk}",
        )


def apart(n: int) -> dict:
    """The n-th of a grid of places inside the district about 700 m apart (no two projects
    placed by it are near enough to look like one work split in pieces)."""
    return {"latitude": _GRID[n % len(_GRID)][0], "longitude": _GRID[n % len(_GRID)][1]}


def _grid() -> list[tuple[Decimal, Decimal]]:
    from core.geo import in_district

    points = []
    for i in range(40):
        for j in range(40):
            lat = Decimal("25.340000") + Decimal(i) * Decimal("0.0065")
            lng = Decimal("118.960000") + Decimal(j) * Decimal("0.0065")
            if in_district(lat, lng, margin_m=0):
                points.append((lat, lng))
    return points


_GRID = _grid()


def village_data(**overrides) -> dict:
    """A village's 四议两公开 as the street office records it (docs/rules.md §2): in order,
    more than half the Party members and two thirds of the representatives present, a
    majority of those present in favour."""
    return {
        "village": "文献社区",
        "proposal": "修复社区背街小巷破损路面",
        "proposed_on": "2026-10-08",
        "discussed_on": "2026-10-12",
        "party_meeting_on": "2026-10-20",
        "party_attended": "31",
        "party_total": "45",
        "resolved_on": "2026-10-25",
        "reps_attended": "28",
        "reps_total": "35",
        "votes_for": "26",
        "decision_published_on": "2026-10-27",
        **overrides,
    }


def make_village(street, name: str = "文献社区"):
    """A village (村/社区) of the street, as the street office adds it."""
    from accounts.choices import OrganisationKind
    from accounts.models import Organisation

    return Organisation.objects.get_or_create(
        name=name, defaults={"kind": OrganisationKind.VILLAGE, "parent": street}
    )[0]


def village_record_fields(street) -> dict:
    """village_data() as the model's fields: dates parsed, the village an organisation."""
    from datetime import date

    fields = {
        k: (date.fromisoformat(v) if k.endswith("_on") else v)
        for k, v in village_data().items()
        if k != "village"
    }
    return {**fields, "village": make_village(street)}
