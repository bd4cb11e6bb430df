"""The site-supervision section of the project page: progress, the project's ledger items,
spot checks, the lab test and acceptance."""

from django.db.models import Prefetch
from django.utils import timezone

from accounts.choices import Role
from core.dates import local_date
from projects.choices import ProjectStatus
from projects.rules import is_project_contractor, is_street_staff_of

from .choices import ItemSource
from .ledger import warning_colour
from .models import (
    Acceptance,
    AcceptanceSignature,
    LabTest,
    PatrolLog,
    PatrolViolation,
    Photo,
    ProgressReport,
    RectificationItem,
    SpotCheck,
)
from .permissions import (
    LEDGER_OPENERS,
    is_responsible_for,
    may_close_item,
    may_read_photo_flags,
)
from .services.completion import village_has_supervisors

ON_SITE = (
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.COMPLETED,
    ProjectStatus.ACCEPTED,
    ProjectStatus.SETTLED,
)


# The states after 竣工验收, in which the certificate can be issued.
ACCEPTED_STATES = {ProjectStatus.ACCEPTED, ProjectStatus.SETTLED, ProjectStatus.ARCHIVED}


def supervision_panel(request, project):
    if project.status not in ON_SITE:
        return None
    user = request.user
    today = local_date(timezone.now())
    items = list(
        RectificationItem.objects.filter(project=project).select_related(
            "responsible_organisation", "project"
        )
    )
    completed = project.status == ProjectStatus.COMPLETED
    photos = Prefetch("photos", queryset=Photo.objects.select_related("duplicate_of__project"))
    return "inspections/_panel.html", {
        "project": project,
        "reports": list(
            ProgressReport.objects.filter(project=project)
            .select_related("reported_by")
            .prefetch_related(photos, "videos")[:5]
        ),
        "patrol_logs": list(
            PatrolLog.objects.filter(project=project)
            .select_related("supervisor")
            .prefetch_related(photos, "videos")[:5]
        ),
        "spot_checks": list(
            SpotCheck.objects.filter(project=project)
            .select_related("inspector")
            .prefetch_related("items", photos)[:5]
        ),
        "show_flags": may_read_photo_flags(user),
        "missing_days": PatrolViolation.objects.filter(
            project=project, withdrawn_at__isnull=True
        ).count(),
        "can_report": project.status == ProjectStatus.IN_PROGRESS
        and is_project_contractor(project, user),
        "items": [
            {
                "item": i,
                "colour": warning_colour(i, today),
                "responsible": is_responsible_for(i, user),
                "may_close": may_close_item(i, user),
            }
            for i in items
        ],
        "can_open_item": user.role in LEDGER_OPENERS
        and project.status in (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED),
        # A 村民监督员's items come from their observations only.
        "sources": [c for c in ItemSource.choices if c[0] != ItemSource.VILLAGE_SUPERVISOR],
        "can_spot_check": user.role == Role.DEPT_REVIEWER
        and project.status in (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED),
        "lab_tests": list(LabTest.objects.filter(project=project)),
        "can_lab_test": completed and user.role == Role.LAB,
        "can_accept": completed and is_street_staff_of(project, user),
        # Asked only of projects that can have one (no query on the pages of the others).
        "acceptance": Acceptance.objects.filter(project=project).first()
        if project.status in ACCEPTED_STATES
        else None,
        **_village_signatures(project, user, completed),
    }


def _village_signatures(project, user, completed: bool) -> dict:
    """At acceptance: the 村民监督员's signatures, or that one is still awaited (2 queries, only
    on a completed project, for its street office)."""
    if not (completed and is_street_staff_of(project, user)):
        return {}
    return {
        "signatures": list(
            AcceptanceSignature.objects.filter(project=project, acceptance__isnull=True)
            .select_related("signer")
            .order_by("created_at")
        ),
        "signature_required": village_has_supervisors(project.village_id),
    }
