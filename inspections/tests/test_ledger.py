"""The rectification ledger, spot checks and their random plan, and completion acceptance."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from approvals import services as approvals
from core.dates import SHANGHAI
from core.errors import ConflictError
from core.models import AuditEvent
from inspections import services
from inspections.choices import ItemSource, ItemStatus
from inspections.events import InspectionEvents
from inspections.ledger import warning_colour
from inspections.models import RectificationItem, SpotCheckPlan
from inspections.selectors import item_list
from projects.choices import ProjectStatus, WarningLevel
from projects.models import Project
from projects.tests.factories import make_project
from tests.funds_helpers import RESIDENTS, under_way

pytestmark = pytest.mark.django_db


def _item(district, project, days=10):
    return services.item_open(
        actor=district.dept,
        project_id=project.pk,
        source=ItemSource.PATROL_LOG,
        problem="基坑临边未设防护栏",
        responsible_organisation_id=project.contractor_id,
        deadline=timezone.localdate() + timedelta(days=days),
        standard="按规范设置1.2米防护栏",
    )


def test_ledger_states_and_who_may_close(district):
    project, contractor = under_way(district)
    item = _item(district, project)
    with pytest.raises(PermissionDenied):  # only the responsible party rectifies
        services.item_start(actor=district.dept, item_id=item.pk)
    services.item_start(actor=contractor, item_id=item.pk)
    with pytest.raises(ValidationError):
        services.item_submit(actor=contractor, item_id=item.pk, evidence=" ")
    services.item_submit(actor=contractor, item_id=item.pk, evidence="已设置防护栏，附照片")
    with pytest.raises(PermissionDenied):  # never closed by the responsible party itself
        services.item_close(actor=contractor, item_id=item.pk)
    with pytest.raises(Http404):  # another street does not even see it
        services.item_close(actor=district.street_gongchen, item_id=item.pk)
    services.item_send_back(actor=district.street_zhenhai, item_id=item.pk, reason="栏杆高度不足")
    services.item_submit(actor=contractor, item_id=item.pk, evidence="已加高至1.2米")
    item = services.item_close(actor=district.street_zhenhai, item_id=item.pk)
    assert (item.status, item.closed_by) == (ItemStatus.CLOSED, district.street_zhenhai)
    with pytest.raises(ConflictError):
        services.item_close(actor=district.dept, item_id=item.pk)
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="ledger.")
        .values_list("verb", flat=True)
        .order_by("id")
    )
    assert verbs == [
        InspectionEvents.LEDGER_OPENED,
        InspectionEvents.LEDGER_START,
        InspectionEvents.LEDGER_SUBMIT_EVIDENCE,
        InspectionEvents.LEDGER_SEND_BACK,
        InspectionEvents.LEDGER_SUBMIT_EVIDENCE,
        InspectionEvents.LEDGER_CLOSE,
    ]


def test_warning_colours_over_time(district):
    project, _contractor = under_way(district)
    # Colours count working days (core.dates): pinned to Wednesday 6 May 2026, so the offsets
    # below fall as they did when only weekends were rest days (Saturday 9 May is a 调休
    # working day; the holiday case itself is in test_working_days.py).
    start = datetime(2026, 5, 6, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        item = _item(district, project, days=10)
        today = timezone.localdate()
    assert warning_colour(item, today) is None
    assert warning_colour(item, today + timedelta(days=4)) is None
    assert warning_colour(item, today + timedelta(days=5)) == WarningLevel.BLUE
    assert warning_colour(item, today + timedelta(days=7)) == WarningLevel.YELLOW
    assert warning_colour(item, today + timedelta(days=10)) == WarningLevel.YELLOW
    assert warning_colour(item, today + timedelta(days=11)) == WarningLevel.RED
    RectificationItem.objects.filter(pk=item.pk).update(status=ItemStatus.CLOSED)
    item.refresh_from_db()
    assert warning_colour(item, today + timedelta(days=30)) is None


def test_overdue_items_come_first_for_the_responsible_people(district):
    project, contractor = under_way(district)
    later = _item(district, project, days=20)
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        overdue = _item(district, project, days=5)
    closed = _item(district, project, days=1)
    RectificationItem.objects.filter(pk=closed.pk).update(status=ItemStatus.CLOSED)
    assert [i.pk for i in item_list(user=contractor)] == [overdue.pk, later.pk, closed.pk]
    assert list(item_list(user=district.street_gongchen)) == []


def test_a_bad_ledger_item_is_refused(district):
    project, _contractor = under_way(district)
    with pytest.raises(ValidationError) as caught:
        services.item_open(
            actor=district.dept,
            project_id=project.pk,
            source="nonsense",
            problem="",
            responsible_organisation_id=project.contractor_id,
            deadline=date(2020, 1, 1),
            standard="",
        )
    assert set(caught.value.message_dict) == {"problem", "standard", "deadline", "source"}
    assert not RectificationItem.objects.exists()


def test_a_failed_spot_check_opens_a_ledger_item_for_the_contractor(district):
    project, contractor = under_way(district)
    check = services.spot_check_record(
        actor=district.dept,
        project_id=project.pk,
        items=[("混凝土强度", True, ""), ("面层平整度", False, "3米直尺超差8毫米")],
    )
    assert not check.passed
    item = RectificationItem.objects.get()
    assert (item.source, item.responsible_organisation_id, item.spot_check) == (
        ItemSource.SPOT_CHECK,
        project.contractor_id,
        check,
    )
    assert "面层平整度" in item.problem and "8毫米" in item.problem
    passed = services.spot_check_record(
        actor=district.dept, project_id=project.pk, items=[("混凝土强度", True, "")]
    )
    assert passed.passed and RectificationItem.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.spot_check_record(actor=contractor, project_id=project.pk, items=[("x", True, "")])


def test_the_monthly_plan_redrawn_from_its_seed_is_identical(district):
    for n in range(3):
        UserFactory(
            username=f"inspector{n}",
            organisation=district.dept.organisation,
            role=Role.DEPT_REVIEWER,
        )
    for n, colour in enumerate(["red"] * 3 + ["yellow"] * 6 + ["green"] * 10):
        project = make_project(district.street_zhenhai, name=f"第{n}号工程")
        # The plan reads state and colour only; the route to 施工中 is tested elsewhere.
        Project.objects.filter(pk=project.pk).update(
            status=ProjectStatus.IN_PROGRESS, risk_colour=colour
        )
    plan = services.plan_create(actor=district.dept, month=date(2026, 12, 1), seed="licheng-42")
    drawn = {d["project"] for d in plan.draws}
    reds = {p.pk for p in Project.objects.filter(risk_colour="red")}
    assert reds <= drawn  # red projects are always drawn
    assert all(d["inspector"] for d in plan.draws)
    # Anyone can re-run the draw from the recorded seed, rates and inputs.
    assert services.plan_redraw_matches(plan) is True
    assert services.draw_plan(plan.inputs, plan.seed, plan.rates) == plan.draws
    assert services.draw_plan(plan.inputs, "another-seed", plan.rates) != plan.draws
    assert plan.inputs == services.plan_candidates()
    with pytest.raises(ConflictError):
        services.plan_create(actor=district.dept, month=date(2026, 12, 15))
    assert SpotCheckPlan.objects.count() == 1


def test_acceptance_refused_with_an_open_item_and_without_a_lab_test(district):
    project, contractor = under_way(district, progress="100")
    item = _item(district, project)
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    with pytest.raises(ConflictError) as caught:
        services.acceptance_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            participants=RESIDENTS,
            conclusion="同意",
        )
    assert "第三方检测" in caught.value.message
    services.lab_test_record(
        actor=district.lab, project_id=project.pk, pass_rate="98.5", report_no="JC-2027-118"
    )
    with pytest.raises(ConflictError) as caught:
        services.acceptance_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            participants=RESIDENTS,
            conclusion="同意",
        )
    assert "1 个整改事项未销号" in caught.value.message
    with pytest.raises(ValidationError):  # resident representatives must take part
        services.acceptance_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            participants=RESIDENTS[1:],
            conclusion="同意",
        )
    services.item_submit(actor=contractor, item_id=item.pk, evidence="已整改")
    services.item_close(actor=district.dept, item_id=item.pk)
    services.acceptance_record(
        actor=district.street_zhenhai,
        project_id=project.pk,
        participants=RESIDENTS,
        conclusion="工程质量合格，同意验收",
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED and project.accepted_at is not None
    event = AuditEvent.objects.filter(verb=InspectionEvents.PROJECT_ACCEPTED).get()
    assert event.after["participants"][0]["role"] == "resident_representative"
