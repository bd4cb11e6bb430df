"""Reads for the approval pages: what the project page shows, the flag list, the queue."""

from django.db.models import Q, QuerySet

from accounts.choices import OrganisationKind, Role, StaffPosition
from accounts.models import CompanyStaff, Organisation
from projects.permissions import projects_visible_to

from . import routes
from .models import Flag

FLAG_READERS = {Role.DISCIPLINE_OFFICER, Role.DEPT_REVIEWER, Role.DRC_OFFICER, Role.FINANCE_OFFICER}


def eligible_contractors() -> list[Organisation]:
    return [
        o
        for o in Organisation.objects.filter(kind=OrganisationKind.CONTRACTOR, is_active=True)
        if o.is_eligible
    ]


def supervision_units_with_staff() -> list[Organisation]:
    units = Organisation.objects.filter(kind=OrganisationKind.SUPERVISOR, is_active=True)
    return [u for u in units.prefetch_related("staff") if u.is_eligible]


def contractor_staff(contractor_id) -> dict[str, list[CompanyStaff]]:
    staff = CompanyStaff.objects.filter(organisation_id=contractor_id, is_active=True)
    grouped: dict[str, list[CompanyStaff]] = {p.value: [] for p in StaffPosition}
    for person in staff:
        grouped[person.position].append(person)
    return grouped


def flag_list(*, user) -> QuerySet[Flag]:
    if getattr(user, "role", None) not in FLAG_READERS:
        return Flag.objects.none()
    return Flag.objects.filter(project__in=projects_visible_to(user)).select_related(
        "project", "project__street"
    )


def awaiting_review(user) -> QuerySet:
    """The projects waiting at a step this user's role decides (the reviewer's queue)."""
    role = getattr(user, "role", None)
    waiting = routes.table().waiting_for(role) if role else []
    if not waiting:
        return projects_visible_to(user).none()
    at_step = Q()
    for status, tier in waiting:
        at_step |= Q(status=status, tier=tier)
    return (
        projects_visible_to(user)
        .filter(at_step)
        .exclude(created_by=user)
        .select_related("street")
        .order_by("status_changed_at")
    )
