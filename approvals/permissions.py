"""Who may record procurement, file contracts, and request or decide changes: pure predicates."""

from accounts.choices import Role
from projects.rules import is_street_staff_of

from . import routes
from .choices import LotteryParty


def may_run_lottery(project, user) -> bool:
    # 一般类: the department records the procurement platform's shortlist and draws.
    return (
        user.is_authenticated
        and user.role == Role.DEPT_REVIEWER
        and user.pk != project.created_by_id
    )


def lottery_party(project, user) -> str | None:
    """The party of a draw the user stands for (approvals/lottery.py): the 住建局 officer who
    may run it, or a 纪检监察 officer; None for everyone else."""
    if may_run_lottery(project, user):
        return LotteryParty.DEPT
    if user.is_authenticated and user.role == Role.DISCIPLINE_OFFICER:
        return LotteryParty.DISCIPLINE
    return None


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
    route = routes.route_for(project.tier)
    if route.files_directly and not project.escalated_to:
        return is_street_staff_of(project, user)
    return user.is_authenticated and user.role == route.concluded_by


def may_approve_escalation(project, user) -> bool:
    """The next missing step's role; never the filer or an approver of an earlier step."""
    table = routes.table()
    step = table.escalation_step(project)
    earlier = {getattr(project, f"{f}_id") for f in table.escalation_earlier_fields(project)} | {
        project.created_by_id
    }
    return (
        step is not None
        and user.is_authenticated
        and user.role == step.role
        and user.pk not in earlier
    )
