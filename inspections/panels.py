"""The site-supervision section of the project page: progress reports."""
from projects.choices import ProjectStatus
from projects.rules import is_project_contractor

from .models import ProgressReport


def supervision_panel(request, project):
    if project.status not in (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED,
                              ProjectStatus.ACCEPTED, ProjectStatus.SETTLED):
        return None
    return "inspections/_panel.html", {
        "project": project,
        "reports": list(ProgressReport.objects.filter(project=project)
                        .select_related("reported_by")[:5]),
        "can_report": project.status == ProjectStatus.IN_PROGRESS
        and is_project_contractor(project, request.user),
    }
