"""The tier routes end to end through the services: who approves what, in which order,
returns and resubmission, time limits, and a reviewed budget that moves a project up."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from approvals.services import project_transition as fire
from approvals.tests.helpers import approved_general, approved_major
from core.audit import verify_chain
from core.errors import ConflictError
from core.models import AuditEvent
from projects.choices import ProjectStatus, Tier
from projects.events import ProjectEvents
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_general_route_takes_four_different_people(district):
    project = approved_general(district)
    assert project.status == ProjectStatus.APPROVED
    assert (project.dept_approved_by, project.expert_approved_by, project.drc_approved_by) == (
        district.dept,
        district.expert,
        district.drc,
    )
    verbs = list(
        AuditEvent.objects.filter(object_id=str(project.pk))
        .values_list("verb", flat=True)
        .order_by("id")
    )
    assert verbs == [
        ProjectEvents.CREATED,
        ProjectEvents.SUBMIT,
        ProjectEvents.DEPT_APPROVE,
        ProjectEvents.EXPERT_APPROVE,
        ProjectEvents.DRC_FILE,
    ]
    assert verify_chain().intact


def test_major_route_needs_fiscal_review_then_drc_approval(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("680000"))
    for actor, name in (
        (district.street_zhenhai, "submit"),
        (district.dept, "dept_approve"),
        (district.expert, "expert_approve"),
    ):
        fire(actor=actor, project_id=project.pk, name=name)
    with pytest.raises(ConflictError):
        fire(actor=district.drc, project_id=project.pk, name="drc_file")
    with pytest.raises(PermissionDenied):
        fire(actor=district.drc, project_id=project.pk, name="fiscal_approve")
    fire(
        actor=district.finance,
        project_id=project.pk,
        name="fiscal_approve",
        params={"approved_budget": "650000.00"},
    )
    project = fire(actor=district.drc, project_id=project.pk, name="drc_approve")
    assert project.status == ProjectStatus.APPROVED
    assert project.approved_budget == Decimal("650000.00")


def test_nobody_approves_a_second_step_of_the_same_project(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    fire(actor=district.dept, project_id=project.pk, name="dept_approve")
    with pytest.raises(PermissionDenied):
        fire(actor=district.dept, project_id=project.pk, name="expert_approve")
    project.refresh_from_db()
    assert project.status == ProjectStatus.DEPT_APPROVED


def test_return_needs_reasons_and_resubmission_goes_back_to_the_same_step(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    fire(actor=district.dept, project_id=project.pk, name="dept_approve")
    with pytest.raises(ValidationError):
        fire(actor=district.expert, project_id=project.pk, name="return_for_revision")
    fire(
        actor=district.expert,
        project_id=project.pk,
        name="return_for_revision",
        comment="预算书缺少工程量清单",
    )
    from projects.services import project_update

    project_update(
        actor=district.street_zhenhai, project_id=project.pk, data={"description": "补充工程量清单"}
    )
    project = fire(actor=district.street_zhenhai, project_id=project.pk, name="resubmit")
    assert project.status == ProjectStatus.DEPT_APPROVED  # waits for the expert again
    assert project.dept_approved_by == district.dept  # the passed step is kept
    project = fire(actor=district.expert, project_id=project.pk, name="expert_approve")
    assert project.status == ProjectStatus.EXPERT_APPROVED


def test_reject_needs_reasons(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    with pytest.raises(ValidationError):
        fire(actor=district.dept, project_id=project.pk, name="reject", comment="  ")
    project = fire(actor=district.dept, project_id=project.pk, name="reject", comment="不符合规划")
    assert project.status == ProjectStatus.REJECTED


def test_a_reviewed_budget_in_a_higher_tier_moves_the_project_onto_that_route(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("420000"))
    fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    fire(actor=district.dept, project_id=project.pk, name="dept_approve")
    project = fire(
        actor=district.expert,
        project_id=project.pk,
        name="expert_approve",
        params={"reviewed_budget": "530000"},
    )
    assert project.tier == Tier.MAJOR
    assert project.dept_approved_by == district.dept and project.expert_approved_by
    with pytest.raises(ConflictError):
        fire(actor=district.drc, project_id=project.pk, name="drc_file")
    fire(actor=district.finance, project_id=project.pk, name="fiscal_approve")
    project = fire(actor=district.drc, project_id=project.pk, name="drc_approve")
    assert project.status == ProjectStatus.APPROVED
    event = AuditEvent.objects.get(verb=ProjectEvents.EXPERT_APPROVE, object_id=str(project.pk))
    assert (event.before["tier"], event.after["tier"]) == ("general", "major")


def test_a_bad_reviewed_budget_changes_nothing(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    fire(actor=district.dept, project_id=project.pk, name="dept_approve")
    with pytest.raises(ValidationError) as caught:
        fire(
            actor=district.expert,
            project_id=project.pk,
            name="expert_approve",
            params={"reviewed_budget": "-3"},
        )
    assert "reviewed_budget" in caught.value.message_dict
    project.refresh_from_db()
    assert (project.status, project.reviewed_budget) == (ProjectStatus.DEPT_APPROVED, None)


def test_each_step_has_five_working_days_and_shows_overdue(district):
    # Friday 2026-12-04 10:00 in Shanghai: five working days later is Friday 12-11.
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=SH), tick=False):
        project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
        project = fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
        assert str(project.review_due_date) == "2026-12-11"
        assert not project.review_overdue
    with time_machine.travel(datetime(2026, 12, 11, 23, 0, tzinfo=SH), tick=False):
        assert not project.review_overdue
    with time_machine.travel(datetime(2026, 12, 12, 9, 0, tzinfo=SH), tick=False):
        assert project.review_overdue
        project = fire(actor=district.dept, project_id=project.pk, name="dept_approve")
        assert str(project.review_due_date) == "2026-12-18"  # the next step starts afresh
        assert not project.review_overdue


def test_the_reviewers_queue(district):
    from approvals.selectors import awaiting_review

    general = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    fire(actor=district.street_zhenhai, project_id=general.pk, name="submit")
    major = approved_major(district)
    assert list(awaiting_review(district.dept)) == [general]
    assert list(awaiting_review(district.drc)) == []
    assert major.status == ProjectStatus.APPROVED


def test_the_review_queue_is_a_to_do_list_overdue_first_with_step_and_days_left(client, district):
    from accounts.choices import Role
    from accounts.tests.factories import UserFactory
    from approvals.selectors import review_queue

    # given two 一般类 projects submitted a week apart, and one the reviewer may not act on
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=SH), tick=False):
        older = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
        fire(actor=district.street_zhenhai, project_id=older.pk, name="submit")
    with time_machine.travel(datetime(2026, 12, 8, 9, 0, tzinfo=SH), tick=False):
        newer = make_project(district.street_zhenhai, budget_amount=Decimal("130000"))
        fire(actor=district.street_zhenhai, project_id=newer.pk, name="submit")
    # a reviewer of the 住建局 who is also the filer's colleague filed this one: not theirs to pass
    dual = UserFactory(
        username="dual_role", organisation=district.dept.organisation, role=Role.DEPT_REVIEWER
    )
    own = make_project(district.street_zhenhai, budget_amount=Decimal("140000"))
    fire(actor=district.street_zhenhai, project_id=own.pk, name="submit")
    Project.objects.filter(pk=own.pk).update(created_by=dual)
    with time_machine.travel(datetime(2026, 12, 10, 9, 0, tzinfo=SH), tick=False):
        rows = review_queue(dual)
        # then only what the reviewer can act on, overdue first, with the step and days left
        assert [r.project.pk for r in rows] == [older.pk, newer.pk]
        assert rows[0].overdue and rows[0].overdue_days >= 1
        assert not rows[1].overdue and rows[1].days_left >= 1
        assert str(rows[0].step.label) == "主管部门初审"
        client.force_login(dual)
        page = client.get(reverse("home")).content.decode()
    assert page.count('data-testid="queue-row"') == 2
    assert 'data-testid="queue-count">2<' in page
    assert "待办环节" in page and "已超期" in page
