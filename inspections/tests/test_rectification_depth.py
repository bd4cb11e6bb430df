"""Rectification in depth (seed 003): 立行立改 vs staged targets tracked stage by stage; serious
items (巡察, reports, gone red) closed only after a third-party assessor signs; a 巡察 round
closed only when every item is closed or carried over with reasons."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.errors import ConflictError
from core.models import AuditEvent
from inspections import services
from inspections.choices import ItemSource, ItemStatus, RectificationMode
from inspections.events import InspectionEvents
from inspections.selectors import item_list
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db


def _open(district, project, *, source=ItemSource.PATROL_LOG, days=20, **kwargs):
    return services.item_open(
        actor=district.dept,
        project_id=project.pk,
        source=source,
        problem="路面沉降",
        responsible_organisation_id=project.contractor_id,
        deadline=timezone.localdate() + timedelta(days=days),
        standard="铣刨重铺",
        **kwargs,
    )


def test_a_staged_item_is_submitted_only_when_every_stage_is_met(district):
    project, contractor = under_way(district)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        _open(district, project, mode=RectificationMode.STAGED)
    assert "stages" in refused.value.message_dict
    with pytest.raises(ValidationError):  # a stage past the item's deadline
        _open(
            district,
            project,
            mode=RectificationMode.STAGED,
            stages=[("铣刨", today + timedelta(days=40))],
        )
    item = _open(
        district,
        project,
        mode=RectificationMode.STAGED,
        stages=[
            ("铣刨旧路面", today + timedelta(days=5)),
            ("重铺沥青", today + timedelta(days=15)),
        ],
    )
    first, second = item.stages.all()
    with pytest.raises(ConflictError) as refused:
        services.item_submit(actor=contractor, item_id=item.pk, evidence="已完成")
    assert "阶段目标未完成" in refused.value.message
    with pytest.raises(PermissionDenied):  # the responsible party reports its stages
        services.item_stage_complete(actor=district.dept, stage_id=first.pk, evidence="x")
    services.item_stage_complete(actor=contractor, stage_id=first.pk, evidence="铣刨完成，附照片")
    item.refresh_from_db()
    assert item.status == ItemStatus.RECTIFYING  # the first stage started the work
    services.item_stage_complete(actor=contractor, stage_id=second.pk, evidence="重铺完成")
    services.item_submit(actor=contractor, item_id=item.pk, evidence="两阶段均已完成")
    item = services.item_close(actor=district.street_zhenhai, item_id=item.pk)
    assert item.status == ItemStatus.CLOSED
    assert AuditEvent.objects.filter(verb=InspectionEvents.LEDGER_STAGE_DONE).count() == 2


def test_a_serious_item_needs_the_assessors_sign_off_before_closing(client, district):
    project, contractor = under_way(district)
    item = _open(district, project, source=ItemSource.COMPLAINT)
    services.item_submit(actor=contractor, item_id=item.pk, evidence="已整改")
    with pytest.raises(ConflictError) as refused:
        services.item_close(actor=district.street_zhenhai, item_id=item.pk)
    assert "第三方评估" in refused.value.message
    with pytest.raises(PermissionDenied):
        services.item_assess(actor=district.dept, item_id=item.pk, passed=True, opinion="同意")
    # the assessor (a third-party organisation) finds it wanting: back to rectification
    assert item_list(user=district.lab).filter(pk=item.pk).exists()
    services.item_assess(actor=district.lab, item_id=item.pk, passed=False, opinion="仍有沉降")
    item.refresh_from_db()
    assert (item.status, item.assessed_at) == (ItemStatus.RECTIFYING, None)
    services.item_submit(actor=contractor, item_id=item.pk, evidence="二次整改")
    # in the browser: the assessor signs on the item page, then the street closes it
    client.force_login(district.lab)
    page = client.get(reverse("inspections:item", args=[item.pk])).content.decode()
    assert 'data-testid="assess-form"' in page
    client.post(
        reverse("inspections:item_assess", args=[item.pk]), {"passed": "1", "opinion": "复测合格"}
    )
    item = services.item_close(actor=district.street_zhenhai, item_id=item.pk)
    assert item.status == ItemStatus.CLOSED and item.assessed_by == district.lab
    assert AuditEvent.objects.filter(verb=InspectionEvents.LEDGER_ASSESSED).count() == 2


def test_an_item_gone_red_is_serious_and_a_timely_one_is_not(district):
    project, contractor = under_way(district)
    late = _open(district, project, days=2)
    timely = _open(district, project, days=30)
    assert not late.needs_assessment and not timely.needs_assessment
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        services.item_submit(actor=contractor, item_id=late.pk, evidence="迟交")
        services.item_submit(actor=contractor, item_id=timely.pk, evidence="按时")
        late.refresh_from_db()
        assert late.needs_assessment
        with pytest.raises(ConflictError):
            services.item_close(actor=district.street_zhenhai, item_id=late.pk)
        services.item_close(actor=district.street_zhenhai, item_id=timely.pk)
        lab_sees = set(item_list(user=district.lab).values_list("pk", flat=True))
    assert late.pk in lab_sees and timely.pk not in lab_sees


def test_a_round_closes_only_when_its_items_are_closed_or_carried_over(client, district):
    inspection = services.round_create(
        actor=district.discipline,
        name="第五轮巡察",
        inspecting_body="区委第三巡察组",
        started_on=timezone.localdate(),
    )
    item = services.round_feedback(
        actor=district.discipline,
        round_id=inspection.pk,
        problem="台账不全",
        responsible_organisation_id=district.zhenhai.pk,
        deadline=timezone.localdate() + timedelta(days=30),
        standard="补齐",
    )
    with pytest.raises(ConflictError) as refused:
        services.round_close(actor=district.discipline, round_id=inspection.pk, closing_summary="x")
    assert "未销号也未结转" in refused.value.message
    # the page says so instead of failing
    client.force_login(district.discipline)
    response = client.post(
        reverse("inspections:round", args=[inspection.pk]), {"closing_summary": "总结"}, follow=True
    )
    assert response.status_code == 200 and "未销号也未结转" in response.content.decode()
    with pytest.raises(ValidationError):
        services.item_carry_over(actor=district.discipline, item_id=item.pk, reason=" ")
    services.item_carry_over(
        actor=district.discipline, item_id=item.pk, reason="涉及历年资料，转入下一轮跟踪"
    )
    services.round_close(actor=district.discipline, round_id=inspection.pk, closing_summary="x")
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.carried_over_at is not None
    assert AuditEvent.objects.filter(verb=InspectionEvents.LEDGER_CARRIED_OVER).count() == 1
