"""Object-level access to projects: which rows a user may see, and fetching one or 404."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.choices import Role
from accounts.selectors import district_scope

from .choices import EDITABLE_STATUSES, ProjectStatus
from .models import Project, ProjectAttachment
from .rules import is_street_staff_of

# Departments see what has been filed to the district, never another street's drafts.
_REVIEWING_ROLES = {Role.DEPT_REVIEWER, Role.DRC_OFFICER, Role.FINANCE_OFFICER}


def projects_visible_to(user) -> QuerySet[Project]:
    projects = Project.objects.all()
    if not (user.is_authenticated and user.is_active):
        return projects.none()
    if user.role == Role.STREET_STAFF:
        return projects.filter(street_id=user.organisation_id)
    if user.role in _REVIEWING_ROLES or user.role == Role.DISCIPLINE_OFFICER:
        # A district's departments and discipline officers read their district's projects; a
        # city's or the province's, every district under it (docs/province.md).
        scope = district_scope(user)
        if scope is not None:
            projects = projects.filter(district__in=scope)
        if user.role == Role.DISCIPLINE_OFFICER:
            return projects
        return projects.exclude(status__in=[ProjectStatus.DRAFT, ProjectStatus.CANCELLED])
    # A company reads the projects it holds a contract for. The contract's company is always the
    # project's (approvals.services.contracts files and refiles it from the project), so the
    # project's own column narrows first: a province's company then lists its projects newest
    # first from its index, not by walking every project's contract.
    if user.role == Role.CONTRACTOR:
        return projects.filter(
            contractor_id=user.organisation_id, contract__contractor_id=user.organisation_id
        )
    if user.role == Role.SUPERVISOR:
        return projects.filter(
            supervision_unit_id=user.organisation_id,
            contract__supervision_unit_id=user.organisation_id,
        )
    if user.role == Role.LAB:
        # Third-party testing happens at completion; labs read those projects only.
        return projects.filter(
            status__in=[ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED, ProjectStatus.SETTLED]
        )
    # The platform administrator sees no project data by default.
    return projects.none()


def access_project(user, project_id, *, for_update: bool = False) -> Project:
    projects = projects_visible_to(user)
    if for_update:
        projects = projects.select_for_update()
    else:
        projects = projects.select_related(
            "street",
            "village",
            "created_by",
            "tier_policy",
            "contractor",
            "supervision_unit",
            "design_unit",
            "contract",
            "settlement",
            "contract__project_manager",
            "contract__safety_officer",
            "contract__quality_inspector",
            "contract__site_supervisor",
        )
    try:
        return projects.get(pk=project_id)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_file_projects(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.STREET_STAFF
        and user.organisation_id is not None
    )


def can_edit_project(user, project: Project) -> bool:
    return project.status in EDITABLE_STATUSES and is_street_staff_of(project, user)


def access_attachment(user, attachment_id) -> ProjectAttachment:
    attachment = (
        ProjectAttachment.objects.filter(pk=attachment_id, project__in=projects_visible_to(user))
        .select_related("project")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


# What a 村民监督员 follows: their village's projects once filed (a draft is the street office's
# own work; a village decision is recorded with it, and the supervisors see it from filing).
_NOT_YET_FILED = [ProjectStatus.DRAFT, ProjectStatus.CANCELLED]


def village_projects_visible_to(user) -> QuerySet[Project]:
    """A village supervisor's projects (docs/village-supervision.md). Deliberately separate from
    projects_visible_to: the supervisor reaches only the village pages, which show no money
    beyond the public page, never the project pages or APIs."""
    if not (
        user.is_authenticated
        and user.is_active
        and user.role == Role.VILLAGE_SUPERVISOR
        and user.organisation_id is not None
    ):
        return Project.objects.none()
    return Project.objects.filter(village_id=user.organisation_id).exclude(
        status__in=_NOT_YET_FILED
    )


def access_village_project(user, project_id, *, for_update: bool = False) -> Project:
    """One of the supervisor's village's projects, or 404 (another village's, any other role)."""
    projects = village_projects_visible_to(user)
    projects = (
        projects.select_for_update()
        if for_update
        else projects.select_related("street", "village", "contractor", "supervision_unit")
    )
    try:
        return projects.get(pk=project_id)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
