"""Reads of projects with the joins that keep query counts flat."""

from django.db.models import QuerySet

from accounts.choices import Role
from core.events import verbs_only_for
from core.models import AuditEvent

from .filters import ProjectFilter
from .models import Payment, Project
from .permissions import projects_visible_to


def project_list(*, user, filters: dict | None = None) -> tuple[QuerySet[Project], ProjectFilter]:
    projects = projects_visible_to(user).select_related(
        "street", "created_by", "contractor", "supervision_unit", "design_unit"
    )
    project_filter = ProjectFilter(filters or {}, queryset=projects)
    return project_filter.qs, project_filter


def project_timeline(project: Project, user) -> QuerySet[AuditEvent]:
    """The project's history as this user may see it: a discipline officer's reads of it are
    in the chain but shown to discipline officers only (docs/audit.md)."""
    events = AuditEvent.objects.filter(
        object_type=project._meta.label_lower, object_id=str(project.pk)
    )
    if user.role != Role.DISCIPLINE_OFFICER:
        events = events.exclude(verb__in=verbs_only_for("discipline"))
    return events.order_by("id")


def payment_list(*, user, filters=None):
    """Payments of the projects the user can see, with the columns the ledger shows."""
    payments = Payment.objects.filter(project__in=projects_visible_to(user)).select_related(
        "project", "project__street"
    )
    filters = filters or {}
    if filters.get("status"):
        payments = payments.filter(status=filters["status"])
    if filters.get("stage"):
        payments = payments.filter(stage=filters["stage"])
    if filters.get("q"):
        payments = payments.filter(project__name__icontains=filters["q"].strip())
    if filters.get("non_compliant"):
        payments = payments.filter(compliant=False)
    return payments.order_by("-created_at", "-id")
