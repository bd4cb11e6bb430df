"""Reads of site supervision: the ledger as each user may see it, overdue first; the projects
a user captures on site; photos and videos; the monthly random plan; a village supervisor's
projects and observations."""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.dates import local_date
from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import (
    access_project,
    projects_visible_to,
    village_projects_visible_to,
)

from .choices import SERIOUS_SOURCES, ItemStatus
from .models import (
    InspectionRound,
    Photo,
    RectificationItem,
    SpotCheck,
    SpotCheckPlan,
    Video,
    VillageObservation,
)
from .permissions import may_read_plans


def serious_items(today) -> Q:
    """RectificationItem.needs_assessment as a filter: from a 巡察 or a report, or gone red."""
    return (
        Q(source__in=SERIOUS_SOURCES)
        | Q(submitted_at__isnull=True, deadline__lt=today)
        | Q(submitted_at__date__gt=F("deadline"))
    )


def item_list(*, user) -> QuerySet[RectificationItem]:
    """Items of the projects the user can see, and items their organisation must fix."""
    if not (user.is_authenticated and user.is_active):
        return RectificationItem.objects.none()
    items = RectificationItem.objects.all()
    if user.role == Role.LAB:  # third-party assessors: the serious items, wherever they are
        items = items.filter(serious_items(local_date(timezone.now())))
    elif user.role != Role.DISCIPLINE_OFFICER:  # discipline officers read everything
        items = items.filter(
            Q(project__in=projects_visible_to(user))
            | Q(responsible_organisation_id=user.organisation_id)
        )
    return (
        items.select_related("project", "responsible_organisation")
        .annotate(
            closed_last=Case(
                When(status=ItemStatus.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("closed_last", "deadline", "id")
    )


def round_overview(inspection: InspectionRound, user) -> dict:
    """The three lists (问题—责任—时限) and progress of a round, as the user may see them."""
    # Numbered in the order the round fed them back, whatever their state.
    items = list(item_list(user=user).filter(inspection_round=inspection).order_by("id"))
    closed = sum(1 for i in items if i.status == ItemStatus.CLOSED)
    return {
        "round": inspection,
        "items": items,
        "total": len(items),
        "closed": closed,
        "percent": round(closed * 100 / len(items)) if items else 0,
    }


def capture_projects(*, user, now) -> QuerySet[Project]:
    """Projects under way on which the user reports from the site: the supervision unit's for
    a supervisor (with whether today's patrol log is in), the contractor's for a contractor."""
    under_way = Project.objects.filter(status=ProjectStatus.IN_PROGRESS).select_related("street")
    if not (user.is_authenticated and user.is_active and user.organisation_id):
        return under_way.none()
    if user.role == Role.SUPERVISOR:
        return (
            under_way.filter(supervision_unit_id=user.organisation_id)
            .annotate(
                logs_today=Count("patrol_logs", filter=Q(patrol_logs__log_date=local_date(now)))
            )
            .order_by("name", "pk")
        )
    if user.role == Role.CONTRACTOR:
        return under_way.filter(contractor_id=user.organisation_id).order_by("name", "pk")
    return under_way.none()


def access_photo(user, photo_id: int) -> Photo:
    photo = (
        Photo.objects.filter(pk=photo_id)
        .only("project_id", "public", "original", "content_type", "original_name")
        .first()
    )
    if photo is None:
        raise Http404
    access_project(user, photo.project_id)
    return photo


def access_video(user, video_id: int) -> Video:
    video = (
        Video.objects.filter(pk=video_id)
        .only("project_id", "playable", "original", "poster", "content_type", "original_name")
        .first()
    )
    if video is None:
        raise Http404
    access_project(user, video.project_id)
    return video


def access_plan(user, plan_id) -> SpotCheckPlan:
    if not may_read_plans(user):
        raise PermissionDenied
    plan = SpotCheckPlan.objects.filter(pk=plan_id).first() if str(plan_id).isdigit() else None
    if plan is None:
        raise Http404
    return plan


def plan_overview(plan: SpotCheckPlan) -> dict:
    """The plan's rows with project, colour, drawn and assigned inspector, who else may check
    it, and the checks recorded on it (4 queries whatever the size)."""
    projects = Project.objects.select_related("street").in_bulk([d["project"] for d in plan.draws])
    people = User.objects.in_bulk(plan.inputs.get("inspectors", []))
    people.update(
        User.objects.in_bulk(
            {d[k] for d in plan.draws for k in ("inspector", "assigned") if d.get(k)} - set(people)
        )
    )
    checks: dict[int, list[SpotCheck]] = {}
    for check in plan.checks.order_by("checked_on", "id"):
        checks.setdefault(check.project_id, []).append(check)
    rows = []
    for draw in plan.draws:
        excluded = set(plan.inputs.get("conflicts", {}).get(str(draw["project"]), ()))
        rows.append(
            {
                "project": projects.get(draw["project"]),
                "risk_colour": draw["risk_colour"],
                "inspector": people.get(draw.get("inspector")),
                "assigned": people.get(draw.get("assigned", draw.get("inspector"))),
                "eligible": [
                    people[u]
                    for u in plan.inputs.get("inspectors", [])
                    if u not in excluded and u in people
                ],
                "checks": checks.get(draw["project"], []),
            }
        )
    return {
        "plan": plan,
        "rows": rows,
        "candidates": len(plan.inputs.get("projects", [])),
    }


def village_project_rows(user) -> list:
    """The 村民监督员's start page: their village's projects with stage, their own observation
    count and how many of the items they opened are still open (1 query)."""
    return list(
        village_projects_visible_to(user)
        .annotate(
            observations=Count("village_observations", filter=Q(village_observations__author=user)),
            open_items=Count(
                "village_observations",
                filter=Q(village_observations__author=user)
                & Q(village_observations__ledger_item__isnull=False)
                & ~Q(village_observations__ledger_item__status=ItemStatus.CLOSED),
            ),
        )
        .only(
            "pk", "name", "address", "status", "project_class", "planned_end", "reported_progress"
        )
        .order_by("-created_at")
    )


def village_observations(project, user) -> list:
    """The supervisor's observations of one project, newest first, each with its ledger item
    (and its responsible organisation) and photos (2 queries)."""
    return list(
        VillageObservation.objects.filter(project=project, author=user)
        .select_related("ledger_item__responsible_organisation")
        .prefetch_related("photos")
    )
