"""Reads for the approval pages: what the project page shows, the flag list, the queue."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_fsm import has_transition_perm

from accounts.choices import OrganisationKind, Role, StaffPosition
from accounts.models import CompanyStaff, Organisation
from core.dates import local_date, working_days_between
from projects.permissions import projects_visible_to

from . import routes
from .models import Flag

FLAG_READERS = {Role.DISCIPLINE_OFFICER, Role.DEPT_REVIEWER, Role.DRC_OFFICER, Role.FINANCE_OFFICER}


def eligible_contractors() -> list[Organisation]:
    """The contractors the selection forms offer: red-listed ones (守信红名单) first, then by
    name. Display only: the lottery draws between the two recorded in the platform's order,
    by the committed seed, whatever the order here (docs/credit.md)."""
    today = local_date(timezone.now())
    eligible = [
        o
        for o in Organisation.objects.filter(kind=OrganisationKind.CONTRACTOR, is_active=True)
        if o.is_eligible
    ]
    return sorted(eligible, key=lambda o: (not o.is_red_listed_on(today), o.name))


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


@dataclass(frozen=True)
class QueueRow:
    """One project in a reviewer's to-do list: the step it waits at and its time limit."""

    project: Any
    step: routes.Step
    due: date | None
    days_left: int | None  # working days to the limit; negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def review_queue(user, *, today: date | None = None) -> list[QueueRow]:
    """待我审核: only projects on which this user can act now (the same route rule and
    transition permission the page's buttons use), overdue first, then nearest limit. The
    start page's counter is the length of this list (one query whatever the size)."""
    today = today or local_date(timezone.now())
    rows = []
    for project in awaiting_review(user):
        step = routes.table().step_waiting_in(project.status, project.tier)
        if step is None:
            continue
        transition = getattr(project, step.transition)
        if not (
            routes.table().may_pass(project, step.transition)
            and has_transition_perm(transition, user)
        ):
            continue
        due = project.review_due_date
        if due is None:
            left = None
        elif today > due:
            left = -working_days_between(due, today)
        else:
            left = working_days_between(today, due)
        rows.append(QueueRow(project=project, step=step, due=due, days_left=left))
    return sorted(
        rows,
        key=lambda r: (
            not r.overdue,
            r.days_left if r.days_left is not None else 10**6,
            r.project.pk,
        ),
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
