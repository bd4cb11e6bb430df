"""The route table itself: it is the one in force, it names real transitions and fields, its
off-route rule, and the generated docs/routes.md that cannot drift from it."""

from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db.models import ForeignKey

from accounts.choices import Role
from approvals import routes
from approvals.routes import DEPT_REVIEW, DRC_FILING, EXPERT_REVIEW, ROUTES, Route, RouteTable
from projects import routing
from projects.choices import ProjectStatus as S
from projects.choices import Tier
from projects.models import Project


def _project(status, tier, **fields):
    return SimpleNamespace(status=status, tier=tier, split_flagged=False, **fields)


def test_the_table_in_force_is_approvals_routes():
    assert routing.current() is ROUTES


def test_the_table_names_real_transitions_roles_and_fields():
    for step in ROUTES.steps():
        method = getattr(Project, step.transition)
        assert method._django_fsm.transitions[S.SUBMITTED].custom["route_step"], step.transition
        assert isinstance(Project._meta.get_field(step.approver_field), ForeignKey)
        assert step.role in Role.values
        for name in step.sets:
            Project._meta.get_field(name)


def test_the_routes_of_spec_2():
    def keys(tier):
        return [s.key for s in routes.route_for(tier).steps]

    assert keys(Tier.GENERAL) == ["dept", "expert", "drc"]
    assert keys(Tier.MAJOR) == ["dept", "expert", "fiscal", "drc"]
    assert routes.route_for(Tier.SIMPLE).files_directly
    assert routes.next_state(S.SUBMITTED, Tier.SIMPLE) == S.APPROVED
    assert routes.next_state(S.SUBMITTED, Tier.GENERAL) == S.DEPT_APPROVED
    assert routes.next_state(S.EXPERT_APPROVED, Tier.GENERAL) == S.APPROVED
    assert routes.next_state(S.EXPERT_APPROVED, Tier.MAJOR) == S.FISCAL_APPROVED
    assert routes.step_waiting_in(S.APPROVED, Tier.MAJOR) is None


def test_off_route_a_project_is_at_the_next_higher_routes_step_but_cannot_conclude_it():
    # A 简易类 project waiting where only longer routes wait (returned, then its amount lowered).
    at_expert = _project(S.DEPT_APPROVED, Tier.SIMPLE)
    assert routes.step_of(at_expert).key == "expert"
    assert ROUTES.may_pass(at_expert, "expert_approve")
    at_drc = _project(S.EXPERT_APPROVED, Tier.SIMPLE)
    assert routes.step_of(at_drc).role == Role.DRC_OFFICER  # who may return it
    assert not ROUTES.may_pass(at_drc, "drc_file")  # 备案 is the 一般类's decision
    general_at_fiscal = _project(S.FISCAL_APPROVED, Tier.GENERAL)
    assert routes.step_of(general_at_fiscal).transition == "drc_approve"
    assert not ROUTES.may_pass(general_at_fiscal, "drc_approve")


def test_escalation_needs_the_steps_not_passed_and_the_drc_again():
    project = _project(
        S.CONTRACTED,
        Tier.GENERAL,
        dept_approved_by_id=1,
        expert_approved_by_id=2,
        fiscal_approved_by_id=None,
        drc_approved_by_id=3,
    )
    assert routes.missing_steps(project, Tier.MAJOR) == ["fiscal", "drc"]


def test_a_table_that_does_not_hold_together_is_refused():
    with pytest.raises(ImproperlyConfigured):  # 重大类 missing
        RouteTable((ROUTES.route_for(Tier.SIMPLE), ROUTES.route_for(Tier.GENERAL)))
    with pytest.raises(ImproperlyConfigured):  # a step in the middle that leaves no state
        RouteTable(
            (
                ROUTES.route_for(Tier.SIMPLE),
                Route(Tier.GENERAL, (DEPT_REVIEW, DRC_FILING, EXPERT_REVIEW, DRC_FILING)),
                ROUTES.route_for(Tier.MAJOR),
            )
        )


def test_the_registry_restores_the_table_it_replaced():
    other = RouteTable(ROUTES.routes)
    with routing.installed(other):
        assert routing.current() is other
    assert routing.current() is ROUTES


@pytest.mark.django_db
def test_docs_routes_md_is_the_generated_table():
    out = StringIO()
    call_command("routes_doc", stdout=out)
    committed = (Path(settings.BASE_DIR) / "docs" / "routes.md").read_text(encoding="utf-8")
    assert committed == out.getvalue(), (
        "docs/routes.md differs from the route table: "
        "run `python manage.py routes_doc --write docs/routes.md`"
    )
    # It says what the table says, in Chinese.
    assert "| 3 | 财政评审 | 专家论证通过 | 财政局经办人 | `fiscal_approve` | 5 |" in committed
