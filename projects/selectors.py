"""Reads of projects with the joins that keep query counts flat."""
from django.db.models import QuerySet

from core.models import AuditEvent

from .filters import ProjectFilter
from .models import Project
from .permissions import projects_visible_to


def project_list(*, user, filters: dict | None = None) -> tuple[QuerySet[Project], ProjectFilter]:
    projects = projects_visible_to(user).select_related("street", "created_by", "contractor",
                                                        "supervision_unit")
    project_filter = ProjectFilter(filters or {}, queryset=projects)
    return project_filter.qs, project_filter


def project_timeline(project: Project) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=project._meta.label_lower, object_id=str(project.pk)).order_by("seq")
