"""Every named transition × every source state × every tier × every kind of user: allowed
exactly where the routes of docs/rules.md §2 allow it, with one audit event; otherwise 404 (cannot see),
409 (not from this state) or 403 (not this user), and nothing written."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from approvals.services import project_transition
from core.errors import ConflictError
from core.models import AuditEvent
from core.testing import rolled_back
from projects.choices import REVIEW_STATUSES, ProjectStatus, Tier
from projects.events import TRANSITION_VERBS
from projects.models import Project
from projects.services import transition_names
from projects.tests.factories import make_project, ready_to_start

pytestmark = pytest.mark.django_db

S = ProjectStatus
USERS = [
    "street_zhenhai",
    "street_zhenhai_2",
    "street_gongchen",
    "dept",
    "drc",
    "finance",
    "contractor",
    "supervisor",
    "lab",
    "discipline",
    "admin",
]
AMOUNT = {Tier.SIMPLE: "38000", Tier.GENERAL: "120000", Tier.MAJOR: "680000"}
ANY = set(Tier)
# transition -> (source states, tiers it applies to, who fires it: "street" or "step")
ROUTES = {
    "submit": ({S.DRAFT}, {Tier.GENERAL, Tier.MAJOR}, "street"),
    "file": ({S.DRAFT}, {Tier.SIMPLE}, "street"),
    "dept_approve": ({S.SUBMITTED}, ANY, "step"),
    "expert_approve": ({S.DEPT_APPROVED}, ANY, "step"),
    "fiscal_approve": ({S.EXPERT_APPROVED}, {Tier.MAJOR}, "step"),
    "drc_file": ({S.EXPERT_APPROVED}, {Tier.GENERAL}, "step"),
    "drc_approve": ({S.FISCAL_APPROVED}, {Tier.MAJOR}, "step"),
    "return_for_revision": (set(REVIEW_STATUSES), ANY, "step"),
    "reject": (set(REVIEW_STATUSES), ANY, "step"),
    "resubmit": ({S.RETURNED}, ANY, "street"),
    "cancel": ({S.DRAFT, S.RETURNED}, ANY, "street"),
    "start_work": ({S.CONTRACTED}, ANY, "street"),
    # The project's own contractor declares completion; forced states here have none.
    "declare_complete": ({S.IN_PROGRESS}, ANY, "contractor"),
}
TARGET = {
    "submit": S.SUBMITTED,
    "file": S.APPROVED,
    "expert_approve": S.EXPERT_APPROVED,
    "fiscal_approve": S.FISCAL_APPROVED,
    "drc_file": S.APPROVED,
    "drc_approve": S.APPROVED,
    "return_for_revision": S.RETURNED,
    "reject": S.REJECTED,
    "resubmit": S.SUBMITTED,
    "cancel": S.CANCELLED,
    "start_work": S.IN_PROGRESS,
}


def step_user(status, tier) -> str | None:
    if status in (S.SUBMITTED, S.DEPT_APPROVED):
        return "dept"
    if status == S.EXPERT_APPROVED:
        return "finance" if tier == Tier.MAJOR else "drc"
    if status == S.FISCAL_APPROVED:
        return "drc"
    return None


def expected(name, status, tier, who):
    sees_drafts = {"street_zhenhai", "street_zhenhai_2", "discipline"}
    sees = who in sees_drafts | (
        set() if status in (S.DRAFT, S.CANCELLED) else {"dept", "drc", "finance"}
    ) | ({"lab"} if status in (S.COMPLETED, S.ACCEPTED, S.SETTLED) else set())
    sources, tiers, firer = ROUTES[name]
    if not sees:
        return Http404
    if status not in sources or tier not in tiers:
        return ConflictError
    allowed = {
        "street": {"street_zhenhai", "street_zhenhai_2"},
        "contractor": set(),
        "step": {step_user(status, tier)},
    }[firer]
    return None if who in allowed else PermissionDenied


def test_the_matrix_names_every_public_transition():
    assert set(ROUTES) == set(transition_names())


@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("status", list(ProjectStatus))
def test_transition_matrix(district, name, status):
    projects = {}
    for tier in Tier:
        project = make_project(district.street_zhenhai, budget_amount=AMOUNT[tier])
        # States reached by later services are set directly; the route tests walk them.
        Project.objects.filter(pk=project.pk).update(status=status)
        if status == S.CONTRACTED:  # its 开工条件 on file, so start_work turns on who fires it
            ready_to_start(project, district.street_zhenhai)
        projects[tier] = project
    for tier in Tier:
        for who in USERS:
            outcome = expected(name, status, tier, who)
            with rolled_back():
                events = AuditEvent.objects.count()
                kwargs = {
                    "actor": getattr(district, who),
                    "project_id": projects[tier].pk,
                    "name": name,
                    "comment": "理由",
                }
                if outcome is None:
                    project = project_transition(**kwargs)
                    target = (
                        S.APPROVED
                        if name == "dept_approve" and tier == Tier.SIMPLE
                        else S.DEPT_APPROVED
                        if name == "dept_approve"
                        else TARGET[name]
                    )
                    assert project.status == target, (tier, who)
                    assert AuditEvent.objects.count() == events + 1, (tier, who)
                    assert AuditEvent.objects.order_by("-id").first().verb == TRANSITION_VERBS[name]
                else:
                    with pytest.raises(outcome):
                        project_transition(**kwargs)
                    assert Project.objects.get(pk=projects[tier].pk).status == status
                    assert AuditEvent.objects.count() == events, (tier, who)
