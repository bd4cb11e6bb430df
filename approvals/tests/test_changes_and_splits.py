"""Design changes, escalation to a higher tier, and 化整为零 detection."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import services
from approvals.choices import FlagKind
from approvals.models import Flag
from approvals.tests.helpers import approved_general, contract_data, reveal_both
from core.errors import ConflictError
from projects.choices import ProjectStatus, ProjectStop, Tier
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def _contracted(district, amount="480000"):
    project = approved_general(district, amount="470000")
    services.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    reveal_both(district, project.pk)
    winner = services.lottery_draw(actor=district.dept, project_id=project.pk).winner
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, company=winner, amount=amount),
    )
    project.refresh_from_db()
    return project


def test_change_taking_480k_to_520k_stops_work_until_fiscal_review_and_drc_approval(district):
    project = _contracted(district)
    assert (project.tier, project.status) == (Tier.GENERAL, ProjectStatus.CONTRACTED)
    change = services.change_request(
        actor=district.street_zhenhai,
        project_id=project.pk,
        amount_delta="40000",
        reason="地下管线迁改",
    )
    with pytest.raises(PermissionDenied):  # not the street office: the level that approved
        services.change_decide(actor=district.street_zhenhai_2, change_id=change.pk, approve=True)
    services.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    project.refresh_from_db()
    assert (project.tier, project.escalated_to) == (Tier.MAJOR, Tier.MAJOR)
    assert project.escalation_steps == ["fiscal", "drc"]
    assert project.contract.approved_changes_total == Decimal("40000.00")

    # Nothing further until the missing approvals are given.
    with pytest.raises(ConflictError) as caught:
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="start_work"
        )
    assert "审批" in caught.value.message
    # A lottery is weaker than the open tender a 重大类 project needs: flagged.
    assert Flag.objects.filter(project=project, kind=FlagKind.WEAK_PROCUREMENT).exists()

    with pytest.raises(PermissionDenied):  # fiscal review comes first
        services.escalation_approve(actor=district.drc, project_id=project.pk)
    services.escalation_approve(actor=district.finance, project_id=project.pk, comment="评审通过")
    with pytest.raises(ConflictError):
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="start_work"
        )
    project = services.escalation_approve(actor=district.drc, project_id=project.pk)
    assert (project.escalated_to, project.escalation_steps) == ("", [])
    # The approvals are given, but a lottery award cannot carry 重大类 works: still stopped
    # until a public tender (approvals/tests/test_reprocurement.py walks the rest).
    assert (project.status, project.stopped_for) == (ProjectStatus.SUSPENDED, ProjectStop.TENDER)
    with pytest.raises(ConflictError) as caught:
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="start_work"
        )
    assert "公开招标" in caught.value.message


def test_cumulative_changes_over_10_percent_are_flagged(district):
    project = _contracted(district, amount="200000")
    for delta in ("12000", "9000.01"):
        change = services.change_request(
            actor=district.street_zhenhai,
            project_id=project.pk,
            amount_delta=delta,
            reason="增加工程量",
        )
        services.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    flag = Flag.objects.get(project=project, kind=FlagKind.LARGE_CHANGE)
    assert "10.5" in flag.summary


def test_ten_percent_exactly_is_not_flagged(district):
    project = _contracted(district, amount="200000")
    change = services.change_request(
        actor=district.street_zhenhai,
        project_id=project.pk,
        amount_delta="20000",
        reason="增加工程量",
    )
    services.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    assert not Flag.objects.filter(kind=FlagKind.LARGE_CHANGE).exists()


def test_a_rejected_change_changes_no_amount(district):
    project = _contracted(district)
    change = services.change_request(
        actor=district.street_zhenhai, project_id=project.pk, amount_delta="40000", reason="x"
    )
    services.change_decide(actor=district.drc, change_id=change.pk, approve=False)
    project.refresh_from_db()
    assert (project.tier, project.escalated_to) == (Tier.GENERAL, "")
    with pytest.raises(ConflictError):
        services.change_decide(actor=district.drc, change_id=change.pk, approve=True)


def test_change_requests_need_a_reason_and_a_valid_amount(district):
    project = _contracted(district)
    with pytest.raises(ValidationError):
        services.change_request(
            actor=district.street_zhenhai, project_id=project.pk, amount_delta="abc", reason="x"
        )
    with pytest.raises(ValidationError):
        services.change_request(
            actor=district.street_zhenhai, project_id=project.pk, amount_delta="100", reason=""
        )
    change = services.change_request(
        actor=district.street_zhenhai,
        project_id=project.pk,
        amount_delta="-5000",
        reason="取消部分工程",
    )
    assert change.amount_delta == Decimal("-5000.00")


# --- 化整为零 ---


def _near(district, name, **kw):
    return make_project(district.street_zhenhai, budget_amount=Decimal("30000"), name=name, **kw)


def test_two_30k_projects_200m_apart_within_a_month_are_flagged_as_a_split(district):
    first = _near(district, "文献路东段路面修复")
    services.project_transition(actor=district.street_zhenhai, project_id=first.pk, name="file")
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        # ~200 m north of the first one (0.0018° of latitude)
        second = _near(district, "梅园路口排水改造", latitude=first.latitude + Decimal("0.0018"))
        with pytest.raises(ConflictError) as caught:
            services.project_transition(
                actor=district.street_zhenhai, project_id=second.pk, name="file"
            )
        assert "化整为零" in caught.value.message
    flags = Flag.objects.filter(kind=FlagKind.SPLIT)
    assert {f.project_id for f in flags} == {first.pk, second.pk}
    assert "米" in flags.get(project=second).summary
    assert Project.objects.filter(split_flagged=True).count() == 2

    # The street submits it for review; approval needs a recorded justification.
    services.project_transition(actor=district.street_zhenhai, project_id=second.pk, name="submit")
    with pytest.raises(ValidationError) as caught:
        services.project_transition(actor=district.dept, project_id=second.pk, name="dept_approve")
    assert "split_justification" in caught.value.message_dict
    project = services.project_transition(
        actor=district.dept,
        project_id=second.pk,
        name="dept_approve",
        split_justification="两处分属不同排水分区，施工互不相关",
    )
    assert project.status == ProjectStatus.APPROVED
    assert project.split_justification.startswith("两处")


def test_similar_names_far_apart_are_flagged_too(district):
    first = _near(district, "镇海公园绿化补植一期", latitude=None, longitude=None)
    services.project_transition(actor=district.street_zhenhai, project_id=first.pk, name="file")
    second = _near(district, "镇海公园绿化补植二期", latitude=None, longitude=None)
    with pytest.raises(ConflictError):
        services.project_transition(
            actor=district.street_zhenhai, project_id=second.pk, name="file"
        )


def test_no_flag_when_the_sum_stays_in_the_same_tier(district):
    first = make_project(district.street_zhenhai, budget_amount=Decimal("20000"))
    services.project_transition(actor=district.street_zhenhai, project_id=first.pk, name="file")
    second = make_project(district.street_zhenhai, budget_amount=Decimal("20000"))
    project = services.project_transition(
        actor=district.street_zhenhai, project_id=second.pk, name="file"
    )
    assert project.status == ProjectStatus.APPROVED
    assert not Flag.objects.exists()


def test_no_flag_after_90_days_or_for_another_street(district):
    first = _near(district, "文献路东段路面修复")
    services.project_transition(actor=district.street_zhenhai, project_id=first.pk, name="file")
    other = make_project(
        district.street_gongchen, budget_amount=Decimal("30000"), name="文献路东段路面修复"
    )
    services.project_transition(actor=district.street_gongchen, project_id=other.pk, name="file")
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        later = _near(district, "文献路东段路面修复")
        project = services.project_transition(
            actor=district.street_zhenhai, project_id=later.pk, name="file"
        )
    assert project.status == ProjectStatus.APPROVED
    assert not Flag.objects.exists()


def test_flags_are_listed_for_discipline_officers_only(district, client):
    first = _near(district, "文献路东段路面修复")
    services.project_transition(actor=district.street_zhenhai, project_id=first.pk, name="file")
    second = _near(district, "文献路东段路面修复")
    with pytest.raises(ConflictError):
        services.project_transition(
            actor=district.street_zhenhai, project_id=second.pk, name="file"
        )
    client.force_login(district.discipline)
    html = client.get("/approvals/flags/").content.decode()
    assert html.count("疑似化整为零") >= 2 and first.code in html
    client.force_login(district.contractor)
    assert first.code not in client.get("/approvals/flags/").content.decode()


def test_checking_a_flagged_split_again_writes_nothing_new(district):
    from core.models import AuditEvent

    first = _near(district, "文献路东段路面修复")
    services.project_transition(actor=district.street_zhenhai, project_id=first.pk, name="file")
    second = _near(district, "文献路西段路面修复")
    with pytest.raises(ConflictError):
        services.project_transition(
            actor=district.street_zhenhai, project_id=second.pk, name="file"
        )
    events = AuditEvent.objects.count()
    services.project_transition(actor=district.street_zhenhai, project_id=second.pk, name="submit")
    assert AuditEvent.objects.count() == events + 1  # the submit only
    assert Flag.objects.count() == 2


def test_a_simple_project_escalated_to_general_needs_the_whole_general_route(district):
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
        actor=district.street_zhenhai,
        project_id=project.pk,
        amount_delta="8000",
        reason="增加排水沟",
    )
    services.change_decide(actor=district.street_zhenhai_2, change_id=change.pk, approve=True)
    project.refresh_from_db()
    assert (project.tier, project.escalation_steps) == (Tier.GENERAL, ["dept", "expert", "drc"])
    assert Flag.objects.filter(project=project, kind=FlagKind.WEAK_PROCUREMENT).exists()
    services.escalation_approve(actor=district.dept, project_id=project.pk)
    with pytest.raises(PermissionDenied):  # the same person may not give the next step too
        services.escalation_approve(actor=district.dept, project_id=project.pk)
    services.escalation_approve(actor=district.expert, project_id=project.pk)
    project = services.escalation_approve(actor=district.drc, project_id=project.pk)
    assert project.escalated_to == ""
    # a direct award cannot carry 一般类 works: stopped until a lottery or a tender
    assert (project.status, project.stopped_for) == (ProjectStatus.SUSPENDED, ProjectStop.LOTTERY)
