"""The 开工条件 section of the project page (docs/rules.md §3): shown from the contract until
work starts, with an upload form for the street office and the contractor."""

from .choices import ProjectStatus
from .rules import is_project_contractor, is_street_staff_of


def start_panel(request, project):
    if project.status != ProjectStatus.CONTRACTED:
        return None
    checks = project.start_checklist()
    if not checks:
        return None
    user = request.user
    return (
        "projects/_start_panel.html",
        {
            "project": project,
            "checks": checks,
            "missing": [c for c in checks if c.document is None],
            "can_upload": is_street_staff_of(project, user) or is_project_contractor(project, user),
        },
    )
