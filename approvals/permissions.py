"""Who may record procurement, file contracts, and request or decide changes: pure predicates."""

from accounts.choices import Role
from projects.choices import Tier
from projects.rules import earlier_approver_ids, is_street_staff_of


def may_run_lottery(project, user) -> bool:
    # 一般类: the department records the procurement platform's shortlist and draws.
    return (
        user.is_authenticated
        and user.role == Role.DEPT_REVIEWER
        and user.pk != project.created_by_id
    )


def may_record_selection(project, user) -> bool:
    """Direct award (简易类) and the tender record (重大类) are the street office's."""
    return is_street_staff_of(project, user)


def may_request_change(project, user) -> bool:
    return is_street_staff_of(project, user) or (
        user.is_authenticated
        and user.role == Role.CONTRACTOR
        and user.organisation_id == project.contractor_id
    )


def may_decide_change(project, change, user) -> bool:
    """At the level that approved the project, never by the one who asked for it."""
    if user.pk == change.requested_by_id:
        return False
    if project.tier == Tier.SIMPLE and not project.escalated_to:
        return is_street_staff_of(project, user)
    return user.is_authenticated and user.role == Role.DRC_OFFICER


ESCALATION_STEP_ROLES = {
    "dept": Role.DEPT_REVIEWER,
    "expert": Role.DEPT_REVIEWER,
    "fiscal": Role.FINANCE_OFFICER,
    "drc": Role.DRC_OFFICER,
}


def may_approve_escalation(project, user) -> bool:
    """The next missing step's role; never the filer or an approver of an earlier step."""
    steps = project.escalation_steps or []
    return (
        bool(steps)
        and user.is_authenticated
        and user.role == ESCALATION_STEP_ROLES[steps[0]]
        and user.pk not in earlier_approver_ids(project)
    )
