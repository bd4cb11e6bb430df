"""Who may fire which project transition: pure predicates on (project, user), no queries."""

from accounts.choices import Role

from . import routing


def is_street_staff_of(project, user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.STREET_STAFF
        and user.organisation_id is not None
        and user.organisation_id == project.street_id
    )


def step_reviewer_role(project) -> str | None:
    """Which role decides the step the project is waiting at (the route table's)."""
    step = routing.current().step_waiting_in(project.status, project.tier)
    return step.role if step else None


def earlier_approver_ids(project) -> set[int]:
    """The filer and the signers of the steps before the one the project waits at."""
    fields = routing.current().earlier_approver_fields(project)
    return {i for i in (project.created_by_id, *(getattr(project, f"{f}_id") for f in fields)) if i}


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
