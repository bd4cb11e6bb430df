"""Changing a route is a change in the one route table (approvals.routes): with a fiscal review
added to 一般类 in a table installed for this test only, the state machine, the reviewers'
queues and roles, the deadline and its warning, escalation's missing steps, the approval page
and the OC4IDS milestones all follow, and nothing else is edited."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from approvals import routes, services
from approvals.routes import (
    DEPT_REVIEW,
    DRC_FILING,
    EXPERT_REVIEW,
    FISCAL_REVIEW,
    ROUTES,
    Route,
    RouteTable,
)
from approvals.selectors import awaiting_review
from approvals.tests.helpers import contract_data
from core.errors import ConflictError
from dashboards.oc4ids import approval_events, project_oc4ids, public_projects
from performance.alerts import current_causes
from performance.choices import WarningKind
from projects import routing
from projects.choices import ProjectStatus, Tier
from projects.rules import step_reviewer_role
from projects.services import available_transitions
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

# The one change: 一般类 passes a fiscal review (with ten working days) before the 发改局 files it.
GENERAL_WITH_FISCAL = RouteTable(
    (
        ROUTES.route_for(Tier.SIMPLE),
        Route(
            Tier.GENERAL,
            (DEPT_REVIEW, EXPERT_REVIEW, replace(FISCAL_REVIEW, limit_working_days=10), DRC_FILING),
        ),
        ROUTES.route_for(Tier.MAJOR),
    )
)


@pytest.fixture
def general_with_fiscal():
    with routing.installed(GENERAL_WITH_FISCAL) as table:
        yield table
    assert routing.current() is ROUTES


def fire(actor, project, name, **kw):
    return services.project_transition(actor=actor, project_id=project.pk, name=name, **kw)


def test_a_general_project_now_waits_for_the_fiscal_review(district, general_with_fiscal):
    # Friday 2026-12-04 in Shanghai: ten working days later is Friday 12-18.
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=SH), tick=False):
        project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
        fire(district.street_zhenhai, project, "submit")
        fire(district.dept, project, "dept_approve")
        project = fire(district.expert, project, "expert_approve")

    # The state machine: the 发改局 cannot file it yet, and says why.
    assert project.status == ProjectStatus.EXPERT_APPROVED
    with pytest.raises(ConflictError) as caught:
        fire(district.drc, project, "drc_file")
    assert "财政评审" in caught.value.message
    # The role and the queues.
    assert step_reviewer_role(project) == district.finance.role
    assert list(awaiting_review(district.finance)) == [project]
    assert list(awaiting_review(district.drc)) == []
    assert set(available_transitions(project, district.finance)) == {
        "fiscal_approve",
        "return_for_revision",
        "reject",
    }
    assert available_transitions(project, district.drc) == []
    # The deadline is the fiscal step's, and its warning goes to the finance office.
    assert project.review_due_date == date(2026, 12, 18)
    (cause,) = [c for c in current_causes(date(2026, 12, 21)) if c.project_id == project.pk]
    assert cause.kind == WarningKind.REVIEW_OVERDUE and cause.params["days"] == 10
    assert district.finance.pk in cause.recipients and district.drc.pk not in cause.recipients

    # The fiscal review sets the approved budget, then the 发改局 files the project.
    project = fire(
        district.finance, project, "fiscal_approve", params={"approved_budget": "118000"}
    )
    assert (project.status, project.approved_budget) == (
        ProjectStatus.FISCAL_APPROVED,
        Decimal("118000.00"),
    )
    assert project.fiscal_approved_by == district.finance
    assert list(awaiting_review(district.drc)) == [project]
    project = fire(district.drc, project, "drc_file")
    assert project.status == ProjectStatus.APPROVED and project.approved_at is not None

    # Published: four approval milestones, the fiscal review among them.
    (public,) = public_projects().filter(pk=project.pk)
    milestones = project_oc4ids(public, approval_events([public])[public.pk])["milestones"]
    assert [m["code"] for m in milestones] == [
        "departmentReview",
        "expertReview",
        "fiscalReview",
        "drcFiling",
    ]


def test_an_escalated_project_needs_the_fiscal_review_too(client, district, general_with_fiscal):
    project = make_project(
        district.street_zhenhai, budget_amount=Decimal("45000"), transitions=("file",)
    )
    services.direct_award(
        actor=district.street_zhenhai,
        project_id=project.pk,
        contractor_id=district.builder.pk,
        reason="应急",
    )
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, amount="45000"),
    )
    change = services.change_request(
        actor=district.street_zhenhai, project_id=project.pk, amount_delta="8000", reason="增加"
    )
    services.change_decide(actor=district.street_zhenhai_2, change_id=change.pk, approve=True)
    project.refresh_from_db()
    assert project.escalation_steps == ["dept", "expert", "fiscal", "drc"]
    client.force_login(district.street_zhenhai)
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    missing = html.split('data-testid="escalated"')[1].split("</div>")[0]
    assert all(s in missing for s in ("主管部门初审", "专家论证", "财政评审", "发改局备案"))
    services.escalation_approve(actor=district.dept, project_id=project.pk)
    services.escalation_approve(actor=district.expert, project_id=project.pk)
    with pytest.raises(PermissionDenied):  # the fiscal review comes before the 发改局
        services.escalation_approve(actor=district.drc, project_id=project.pk)
    project = services.escalation_approve(actor=district.finance, project_id=project.pk)
    assert project.fiscal_approved_by == district.finance
    project = services.escalation_approve(actor=district.drc, project_id=project.pk)
    assert (project.escalated_to, project.escalation_steps) == ("", [])


def test_the_approval_page_shows_the_new_step(client, district, general_with_fiscal):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    fire(district.street_zhenhai, project, "submit")
    fire(district.dept, project, "dept_approve")
    fire(district.expert, project, "expert_approve")
    client.force_login(district.finance)
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-transition="fiscal_approve"' in html
    assert 'id="approved_budget"' in html  # what the step lets its signer set


def test_without_the_change_the_general_route_is_as_before(district):
    assert [s.key for s in routes.route_for(Tier.GENERAL).steps] == ["dept", "expert", "drc"]
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    fire(district.street_zhenhai, project, "submit")
    fire(district.dept, project, "dept_approve")
    fire(district.expert, project, "expert_approve")
    assert fire(district.drc, project, "drc_file").status == ProjectStatus.APPROVED
