"""Who may fire which project transition: pure predicates on (project, user), no queries."""

from accounts.choices import Role

from .choices import ProjectStatus, Tier


def is_street_staff_of(project, user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.STREET_STAFF
        and user.organisation_id is not None
        and user.organisation_id == project.street_id
    )


def step_reviewer_role(project) -> str | None:
    """Which role decides the step the project is waiting at (SPEC §2 routes)."""
    status = project.status
    if status in (ProjectStatus.SUBMITTED, ProjectStatus.DEPT_APPROVED):
        return Role.DEPT_REVIEWER  # 区住建局 初审 and the 专家论证 it organises
    if status == ProjectStatus.EXPERT_APPROVED:
        return Role.FINANCE_OFFICER if project.tier == Tier.MAJOR else Role.DRC_OFFICER
    if status == ProjectStatus.FISCAL_APPROVED:
        return Role.DRC_OFFICER
    return None


def earlier_approver_ids(project) -> set[int]:
    return {
        i
        for i in (
            project.created_by_id,
            project.dept_approved_by_id,
            project.expert_approved_by_id,
            project.fiscal_approved_by_id,
        )
        if i
    }


def may_review(project, user) -> bool:
    """The step's role, and never the filer or someone who approved an earlier step."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == step_reviewer_role(project)
        and user.pk not in earlier_approver_ids(project)
    )


def is_project_contractor(project, user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.CONTRACTOR
        and user.organisation_id is not None
        and user.organisation_id == project.contractor_id
    )


def is_project_supervisor(project, user) -> bool:
    """Staff of the project's supervision unit (监理单位)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.SUPERVISOR
        and user.organisation_id is not None
        and user.organisation_id == project.supervision_unit_id
    )
