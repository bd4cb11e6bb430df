"""Any sequence of actions by any users over the approval workflow (Hypothesis state machine):
the tier's steps are passed in order, nobody approves a project they filed or approved at an
earlier step, and a successful transition writes exactly one audit event, a refused one none."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django_fsm import TransitionNotAllowed
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from accounts.tests.factories import district as build_district
from approvals import services
from approvals.events import ApprovalEvents
from core.audit import AuditEvent
from core.errors import ApplicationError
from core.testing import rolled_back
from projects.choices import ProjectStatus as S
from projects.choices import Tier
from projects.events import TRANSITION_VERBS
from projects.models import Project
from projects.services import project_create
from projects.tests.factories import ensure_default_tier_policy, project_data

NAMES = [
    "submit",
    "file",
    "dept_approve",
    "expert_approve",
    "fiscal_approve",
    "drc_file",
    "drc_approve",
    "return_for_revision",
    "reject",
    "resubmit",
    "cancel",
]
USERS = [
    "street_zhenhai",
    "street_zhenhai_2",
    "street_gongchen",
    "dept",
    "expert",
    "drc",
    "finance",
    "contractor",
    "discipline",
    "admin",
]
WORKS = [
    "文献路人行道修复",
    "拱辰社区公厕改造",
    "西天尾小学围墙加固",
    "黄石镇排涝泵站检修",
    "新度农贸市场雨棚",
    "北高渔港护栏更换",
    "荔园小区路灯增设",
    "镇海公园步道铺装",
    "东圳水库巡检道路",
    "梅峰寺周边停车场",
    "阔口村文化礼堂修缮",
    "延寿溪河道清淤",
]
AMOUNTS = {Tier.SIMPLE: "38000.00", Tier.GENERAL: "120000.00", Tier.MAJOR: "680000.00"}
# Steps each tier passes before approval, in order (the approver field each one writes).
STEPS = {
    Tier.GENERAL: ["dept_approved_by", "expert_approved_by"],
    Tier.MAJOR: ["dept_approved_by", "expert_approved_by", "fiscal_approved_by"],
}
PAST_REVIEW = {S.APPROVED, S.PROCUREMENT, S.CONTRACTED, S.IN_PROGRESS}
REACHED: set[str] = set()
# (status, tier or None for any) -> the step and who takes it
FORWARD = {
    (S.DRAFT, Tier.SIMPLE): ("file", "filer"),
    (S.DRAFT, None): ("submit", "filer"),
    (S.SUBMITTED, None): ("dept_approve", "dept"),
    (S.DEPT_APPROVED, None): ("expert_approve", "expert"),
    (S.EXPERT_APPROVED, Tier.GENERAL): ("drc_file", "drc"),
    (S.EXPERT_APPROVED, Tier.MAJOR): ("fiscal_approve", "finance"),
    (S.FISCAL_APPROVED, None): ("drc_approve", "drc"),
    (S.RETURNED, None): ("resubmit", "filer"),
}
PLAUSIBLE = {
    S.DRAFT: ["submit", "file", "submit", "cancel"],
    S.SUBMITTED: ["dept_approve", "expert_approve", "return_for_revision", "reject"],
    S.DEPT_APPROVED: ["expert_approve", "dept_approve", "drc_file", "reject"],
    S.EXPERT_APPROVED: ["drc_file", "fiscal_approve", "drc_approve", "return_for_revision"],
    S.FISCAL_APPROVED: ["drc_approve", "drc_file", "fiscal_approve"],
    S.RETURNED: ["resubmit", "cancel"],
}  # the tiers some example took to approval


class ApprovalWorkflow(RuleBasedStateMachine):
    projects = Bundle("projects")

    @initialize()
    def district(self):
        # Each example in a savepoint of its own, rolled back at its end.
        self._example = rolled_back()
        self._example.__enter__()
        ensure_default_tier_policy()
        self.d = build_district()
        self.filed = 0

    def teardown(self):
        if hasattr(self, "_example"):
            self._example.__exit__(None, None, None)

    @precondition(lambda self: getattr(self, "filed", 3) < 3)  # a few projects, taken far
    @rule(
        target=projects,
        filer=st.sampled_from(["street_zhenhai", "street_zhenhai_2"]),
        tier=st.sampled_from(list(AMOUNTS)),
    )
    def file_a_project(self, filer, tier):
        # No place and unrelated names: splitting (化整为零) is another test's subject.
        self.filed += 1
        data = project_data(
            budget_amount=AMOUNTS[tier],
            name=WORKS[self.filed % len(WORKS)],
            latitude=None,
            longitude=None,
        )
        return project_create(actor=getattr(self.d, filer), data=data).pk

    @rule(
        project=projects,
        name=st.sampled_from(NAMES),
        who=st.sampled_from(USERS),
        comment=st.sampled_from(["", "材料齐全"]),
    )
    def act(self, project, name, who, comment):
        # The split check before filing or submitting may flag the project (and records that,
        # whatever the transition's fate): that is evidence, not the transition's event.
        events = AuditEvent.objects.exclude(verb=ApprovalEvents.SPLIT_FLAGGED)
        before = events.count()
        # The same transition sent again by the one who just fired it answers like the first
        # and records nothing (docs/architecture.md, double submissions).
        last = (
            events.filter(
                object_id=str(project), verb__in=[str(v) for v in TRANSITION_VERBS.values()]
            )
            .order_by("-id")
            .first()
        )
        repeat = bool(
            last
            and last.verb == str(TRANSITION_VERBS[name])
            and last.actor_id == getattr(self.d, who).pk
        )
        try:
            services.project_transition(
                actor=getattr(self.d, who), project_id=project, name=name, comment=comment
            )
        except (ApplicationError, PermissionDenied, Http404, ValidationError, TransitionNotAllowed):
            assert events.count() == before, (name, who, "refused but recorded")
        else:
            assert events.count() == before + (0 if repeat else 1), (name, who, repeat)

    @rule(
        project=projects, forward=st.integers(0, 2), which=st.integers(0, 3), pick=st.integers(0, 9)
    )
    def act_as_the_steps_role(self, project, forward, which, pick):
        """Two times in three the step whose turn it is, by its role (random choices alone
        would seldom take a project far); otherwise another action plausible at that state by
        anyone, such as the first reviewer trying the second step too, or the filer."""
        p = Project.objects.get(pk=project)
        step = FORWARD.get((p.status, p.tier)) or FORWARD.get((p.status, None))
        if step and forward:
            name, who = step
            who = p.created_by.username if who == "filer" else who
        else:
            names = PLAUSIBLE.get(p.status, NAMES)
            name, who = names[which % len(names)], USERS[pick]
        self.act(project=project, name=name, who=who, comment="")
        if Project.objects.filter(pk=project, status=S.APPROVED).exists():
            REACHED.add(p.tier)

    @invariant()
    def steps_in_order_and_never_self_approved(self):
        if not hasattr(self, "d"):
            return
        for p in Project.objects.all():
            approvers = [
                getattr(p, f"{step.removesuffix('_by')}_by_id") for step in STEPS.get(p.tier, [])
            ]
            given = [a for a in approvers if a is not None]
            # In order: a later step is never approved before an earlier one.
            assert approvers[: len(given)] == given, (p.pk, p.tier, approvers)
            # Nobody approves their own project, nor two steps of one project.
            assert p.created_by_id not in given, (p.pk, "self-approval")
            assert len(set(given)) == len(given), (p.pk, "one person, two steps")
            if p.status in PAST_REVIEW and p.tier in STEPS:
                assert len(given) == len(STEPS[p.tier]), (p.pk, p.status, approvers)


ApprovalWorkflow.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
def test_approval_workflow_state_machine():
    from hypothesis.stateful import run_state_machine_as_test

    REACHED.clear()
    run_state_machine_as_test(ApprovalWorkflow, settings=ApprovalWorkflow.TestCase.settings)
    # The exploration went the whole way for every tier, not only round the first steps.
    assert REACHED == {Tier.SIMPLE, Tier.GENERAL, Tier.MAJOR}, REACHED
