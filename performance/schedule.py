"""工期 (docs/rules.md §9, issue #14 point 6): a project under contract and not yet complete on
the day after its planned end (as extended) is late — yellow, red from the policy's number of
days, when its contractor also gets a ledger item to answer for the delay (seed 002 第五步)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import local_date
from inspections.choices import ItemSource, ItemStatus
from inspections.models import RectificationItem
from inspections.services import item_open
from projects.choices import ProjectStatus, WarningLevel
from projects.models import Project

from .policies import policy_in_force

LATE_STATES = (ProjectStatus.CONTRACTED, ProjectStatus.IN_PROGRESS, ProjectStatus.SUSPENDED)
# The contractor's ledger item: a catch-up plan within this many days.
CATCH_UP_DAYS = 7


def lateness(planned_end: date, completed_at, last_day: date) -> tuple[bool, int]:
    """Whether a project due on `planned_end` was finished by it (Shanghai date), and else its
    days late: to its completion, or to `last_day` while still open."""
    done = local_date(completed_at) if completed_at else None
    if done is not None and done <= planned_end:
        return True, 0
    return False, max(0, ((done or last_day) - planned_end).days)


@dataclass(frozen=True)
class Late:
    project_id: int
    name: str
    street_id: int
    contractor_id: int | None
    planned_end: date
    days: int
    level: str


def late_projects(today: date, project_ids=None) -> dict[int, Late]:
    """The late projects (of `project_ids`, or all), one query."""
    red_from = policy_in_force(today).late_red_days
    rows = Project.objects.filter(
        status__in=LATE_STATES, completed_at__isnull=True, planned_end__lt=today
    )
    if project_ids is not None:
        rows = rows.filter(pk__in=project_ids)
    late = {}
    for p in rows.values("id", "name", "street_id", "contractor_id", "planned_end"):
        days = (today - p["planned_end"]).days
        late[p["id"]] = Late(
            p["id"],
            p["name"],
            p["street_id"],
            p["contractor_id"],
            p["planned_end"],
            days,
            WarningLevel.RED if days >= red_from else WarningLevel.YELLOW,
        )
    return late


def late_items_open(*, today: date | None = None) -> int:
    """One open ledger item per red-late project for its contractor (none while one is open);
    each in its own transaction, opened by the platform. Returns how many were opened."""
    today = today or local_date(timezone.now())
    red = {k: v for k, v in late_projects(today).items() if v.level == WarningLevel.RED}
    open_already = set(
        RectificationItem.objects.filter(project_id__in=list(red), source=ItemSource.SCHEDULE)
        .exclude(status=ItemStatus.CLOSED)
        .values_list("project_id", flat=True)
    )
    opened = 0
    for late in red.values():
        if late.project_id in open_already or late.contractor_id is None:
            continue
        item_open(
            actor=None,
            project_id=late.project_id,
            source=ItemSource.SCHEDULE,
            problem=_("工期滞后：已超过计划完工日期（%(end)s）%(days)d 天，尚未完工。")
            % {"end": late.planned_end.isoformat(), "days": late.days},
            responsible_organisation_id=late.contractor_id,
            deadline=today + timedelta(days=CATCH_UP_DAYS),
            standard=_("提交赶工计划，说明滞后原因和责任，按期完工或依规申请延期。"),
        )
        opened += 1
    return opened
