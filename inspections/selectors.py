"""Reads of site supervision: the ledger as each user may see it, overdue first; the projects
a user captures on site; photos."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from accounts.choices import Role
from core.dates import local_date
from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import access_project, projects_visible_to

from .choices import ItemStatus
from .models import InspectionRound, Photo, RectificationItem


def item_list(*, user) -> QuerySet[RectificationItem]:
    """Items of the projects the user can see, and items their organisation must fix."""
    if not (user.is_authenticated and user.is_active):
        return RectificationItem.objects.none()
    items = RectificationItem.objects.all()
    if user.role != Role.DISCIPLINE_OFFICER:  # discipline officers read everything
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
