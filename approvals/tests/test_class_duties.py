"""The duties a project's class adds (issue #14 point 3; docs/rules.md §2): B类 by 竞争性磋商 or
定点采购 with a named street-office tracker, C类 on its village's 四议两公开 and the outcome's
publication before settlement, A类 with the audit firm's report at settlement."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import Consultation, FrameworkAgreement
from approvals.tests.helpers import approved_general, contract_data
from core.errors import ConflictError
from core.models import AuditEvent
from projects.choices import ProcurementMethod, ProjectClass, ProjectStatus
from projects.models import Project, Settlement, VillageDecision
from projects.services import (
    settlement_record,
    tracker_set,
    village_decision_record,
    village_result_publish,
)
from projects.tests.factories import (
    make_project,
    ready_to_start,
    village_data,
    village_record_fields,
)
from tests.funds_helpers import accepted, under_way

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def photo(name="board.png"):
    return SimpleUploadedFile(name, PNG, "image/png")


def quotes(d, scores=("92", "88.5", "80")):
    companies = (d.builder, d.builder_b, d.builder_c)
    amounts = ("41000", "39800", "42500")
    return [(c.pk, a, s) for c, a, s in zip(companies, amounts, scores, strict=True)]


def consult(d, project, **overrides):
    kw = {
        "actor": d.street_zhenhai,
        "project_id": project.pk,
        "notice_date": date(2026, 11, 20),
        "panel": ["陈工", "林工", "黄工"],
        "quotes": quotes(d),
        "winner_id": d.builder.pk,
        "reason": "综合得分最高",
    }
    kw.update(overrides)
    return services.consultation_record(**kw)


def b_simple(d, **kw):
    return make_project(
        d.street_zhenhai,
        budget_amount=Decimal("38000"),
        project_class=ProjectClass.B,
        transitions=("file",),
        **kw,
    )


# --- B: 竞争性磋商 -----------------------------------------------------------------------


def test_a_b_class_project_is_procured_by_its_class_methods(district):
    """Below 一般类 a B project takes no direct award; at 一般类 its class's methods stand beside
    the tier's lottery (the same strength); at 重大类 only the public tender."""
    simple = b_simple(district)
    with pytest.raises(ConflictError, match="竞争性磋商”或“定点采购"):
        services.direct_award(
            actor=district.street_zhenhai,
            project_id=simple.pk,
            contractor_id=district.builder.pk,
            reason="就近",
        )
    general = approved_general(district, project_class=ProjectClass.B)
    consult(district, general)
    general.refresh_from_db()
    assert general.procurement_method == ProcurementMethod.COMPETITIVE
    major = make_project(
        district.street_zhenhai,
        budget_amount=Decimal("680000"),
        project_class=ProjectClass.B,
        name="大型背街改造",
    )
    Project.objects.filter(pk=major.pk).update(status=ProjectStatus.APPROVED)  # route elsewhere
    with pytest.raises(ConflictError, match="公开招标"):
        consult(district, major)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"panel": ["陈工", "林工"]}, "panel", "三人以上单数"),
        ({"panel": ["陈工", "林工", "黄工", "郑工"]}, "panel", "三人以上单数"),
        ({"panel": ["陈工", "陈工", "黄工"]}, "panel", "不能重复"),
        ({"quotes": "two"}, "quotes", "至少需要三家"),
        ({"quotes": "score"}, "quotes", "0 到 100"),
        ({"winner": "second"}, "winner", "综合得分最高"),
        ({"winner": "outsider"}, "winner", "参加磋商的供应商之一"),
        ({"reason": " "}, "reason", "磋商结论"),
    ],
)
def test_a_consultation_breaking_a_rule_is_refused_and_nothing_is_written(
    district, overrides, field, message
):
    project = b_simple(district)
    kw = dict(overrides)
    if kw.get("quotes") == "two":
        kw["quotes"] = quotes(district)[:2]
    elif kw.get("quotes") == "score":
        kw["quotes"] = quotes(district, scores=("101", "88", "80"))
    if kw.get("winner") == "second":
        kw["winner_id"] = district.builder_b.pk
        del kw["winner"]
    elif kw.get("winner") == "outsider":
        kw["winner_id"] = district.super_org.pk
        del kw["winner"]
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        consult(district, project, **kw)
    assert field in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict[field])
    assert not Consultation.objects.filter(project=project).exists()
    assert AuditEvent.objects.count() == events
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.APPROVED


def test_a_consultation_is_recorded_like_a_tender_and_audited_once(district):
    project = b_simple(district)
    events = AuditEvent.objects.count()
    record = consult(district, project)
    assert [q.supplier_id for q in record.quotes.all()] == [
        district.builder.pk,
        district.builder_b.pk,
        district.builder_c.pk,
    ]
    project.refresh_from_db()
    assert (project.status, project.contractor_id) == (
        ProjectStatus.PROCUREMENT,
        district.builder.pk,
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == events + 1
    assert event.verb == "procurement.consultation_recorded"
    assert [q["score"] for q in event.after["quotes"]] == ["92", "88.5", "80"]
    assert event.after["panel"] == ["陈工", "林工", "黄工"]
    # the same submission again changes nothing and answers like the first; another is refused
    assert consult(district, project).pk == record.pk
    assert AuditEvent.objects.count() == events + 1
    with pytest.raises(ConflictError):
        consult(district, project, winner_id=district.builder_b.pk)
    assert Consultation.objects.filter(project=project).count() == 1
    # only the project's street office records it
    other = b_simple(district, name="另一条小巷")
    with pytest.raises(PermissionDenied):
        consult(district, other, actor=district.dept)


# --- B: 定点采购 ---------------------------------------------------------------------------


def test_a_call_off_needs_an_agreement_in_force(district):
    today = timezone.localdate()
    expired = FrameworkAgreement.objects.create(
        supplier=district.builder_b,
        reference="荔住建定点〔2024〕1号",
        valid_from=today - timedelta(days=800),
        valid_to=today - timedelta(days=1),
    )
    current = FrameworkAgreement.objects.create(
        supplier=district.builder_c,
        reference="荔住建定点〔2026〕3号",
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=335),
    )
    project = b_simple(district)
    with pytest.raises(ValidationError, match="有效期内"):
        services.framework_order(
            actor=district.street_zhenhai,
            project_id=project.pk,
            agreement_id=expired.pk,
            reason="维修",
        )
    first = services.framework_order(
        actor=district.street_zhenhai, project_id=project.pk, agreement_id=current.pk, reason="维修"
    )
    again = services.framework_order(  # a double click answers like the first
        actor=district.street_zhenhai, project_id=project.pk, agreement_id=current.pk, reason="维修"
    )
    assert again.pk == first.pk
    project.refresh_from_db()
    assert project.procurement_method == ProcurementMethod.FRAMEWORK
    assert project.contractor_id == district.builder_c.pk


def test_a_blacklisted_framework_supplier_cannot_be_called_off(district):
    today = timezone.localdate()
    agreement = FrameworkAgreement.objects.create(
        supplier=district.builder_c,
        reference="荔住建定点〔2026〕3号",
        valid_from=today,
        valid_to=today + timedelta(days=30),
    )
    district.builder_c.credit_status = "blacklisted"
    district.builder_c.save()
    project = b_simple(district)
    with pytest.raises(Exception, match="信用状态"):
        services.framework_order(
            actor=district.street_zhenhai,
            project_id=project.pk,
            agreement_id=agreement.pk,
            reason="维修",
        )
    assert Project.objects.get(pk=project.pk).contractor_id is None


# --- B: the street office's tracker -------------------------------------------------------


def test_a_b_class_project_starts_only_with_a_named_tracker(district):
    project = b_simple(district)
    consult(district, project)
    services.contract_file(
        actor=district.street_zhenhai, project_id=project.pk, data=contract_data(district, "38000")
    )
    ready_to_start(project, district.street_zhenhai)
    with pytest.raises(ConflictError, match="跟踪责任人"):
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="start_work"
        )
    with pytest.raises(ValidationError, match="本街道"):  # not of this street
        tracker_set(
            actor=district.street_zhenhai,
            project_id=project.pk,
            tracker_id=district.street_gongchen.pk,
        )
    with pytest.raises(PermissionDenied):
        tracker_set(
            actor=district.contractor, project_id=project.pk, tracker_id=district.street_zhenhai.pk
        )
    events = AuditEvent.objects.count()
    tracker_set(
        actor=district.street_zhenhai,
        project_id=project.pk,
        tracker_id=district.street_zhenhai_2.pk,
    )
    tracker_set(  # the same again: answered like the first, recorded once
        actor=district.street_zhenhai,
        project_id=project.pk,
        tracker_id=district.street_zhenhai_2.pk,
    )
    assert AuditEvent.objects.count() == events + 1
    services.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="start_work"
    )
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.IN_PROGRESS


# --- C: 四议两公开 -------------------------------------------------------------------------


def c_draft(d, amount="38000"):
    return make_project(d.street_zhenhai, budget_amount=Decimal(amount), project_class="C")


def test_a_c_class_project_is_filed_only_on_its_village_decision(district):
    simple = c_draft(district)
    with pytest.raises(ConflictError, match="四议两公开"):
        services.project_transition(
            actor=district.street_zhenhai, project_id=simple.pk, name="file"
        )
    general = c_draft(district, amount="120000")
    with pytest.raises(ConflictError, match="四议两公开"):
        services.project_transition(
            actor=district.street_zhenhai, project_id=general.pk, name="submit"
        )
    for project in (simple, general):
        village_decision_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data=village_data(),
            decision_photo=photo(),
        )
    services.project_transition(actor=district.street_zhenhai, project_id=simple.pk, name="file")
    services.project_transition(actor=district.street_zhenhai, project_id=general.pk, name="submit")
    assert Project.objects.get(pk=simple.pk).status == ProjectStatus.APPROVED
    assert Project.objects.get(pk=general.pk).status == ProjectStatus.SUBMITTED
    # filed: the record no longer changes
    with pytest.raises(ConflictError, match="申报后"):
        village_decision_record(
            actor=district.street_zhenhai,
            project_id=simple.pk,
            data=village_data(village="另一个村"),
        )
    # and a C project is procured by its tier's method (here a direct award)
    services.direct_award(
        actor=district.street_zhenhai,
        project_id=simple.pk,
        contractor_id=district.builder.pk,
        reason="村民代表会议决议委托",
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"discussed_on": "2026-10-01"}, "resolved_on", "依次进行"),
        ({"party_attended": "22"}, "party_attended", "过半数党员"),
        ({"reps_attended": "23"}, "reps_attended", "三分之二以上"),
        ({"votes_for": "14"}, "votes_for", "过半数同意"),
        ({"reps_attended": "36"}, "reps_attended", "多于村民代表总数"),
        ({"village": ""}, "village", "村（社区）"),
        ({"resolved_on": "下周"}, "resolved_on", "请填写日期"),
        ({"decision_published_on": "2099-01-01"}, "decision_published_on", "不能晚于今天"),
    ],
)
def test_a_village_decision_breaking_a_rule_is_refused(district, overrides, field, message):
    project = c_draft(district)
    with pytest.raises(ValidationError) as refused:
        village_decision_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data=village_data(**overrides),
            decision_photo=photo(),
        )
    assert message in " ".join(refused.value.message_dict[field])
    assert not VillageDecision.objects.filter(project=project).exists()


def test_a_village_decision_needs_its_photo_and_its_own_class(district):
    project = c_draft(district)
    with pytest.raises(ValidationError, match="照片"):
        village_decision_record(
            actor=district.street_zhenhai, project_id=project.pk, data=village_data()
        )
    with pytest.raises(ValidationError):  # a renamed program is not a photo
        village_decision_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data=village_data(),
            decision_photo=SimpleUploadedFile("board.png", b"MZ\x90\x00rest", "image/png"),
        )
    other = make_project(district.street_zhenhai, project_class="B")
    with pytest.raises(ConflictError, match="C类"):
        village_decision_record(
            actor=district.street_zhenhai,
            project_id=other.pk,
            data=village_data(),
            decision_photo=photo(),
        )
    with pytest.raises((PermissionDenied, Http404)):  # a draft is its street office's own
        village_decision_record(
            actor=district.dept, project_id=project.pk, data=village_data(), decision_photo=photo()
        )


def _accepted_as(district, project_class):
    project, contractor = under_way(district)
    Project.objects.filter(pk=project.pk).update(project_class=project_class)
    if project_class == ProjectClass.C:
        VillageDecision.objects.create(
            project=project,
            recorded_by=district.street_zhenhai,
            decision_photo=photo(),
            **village_record_fields(project.street),
        )
    return accepted(district, project, contractor)


def test_a_c_class_project_is_settled_after_the_outcome_is_published(district):
    project = _accepted_as(district, ProjectClass.C)
    with pytest.raises(ConflictError, match="实施结果"):
        settlement_record(
            actor=district.finance, project_id=project.pk, amount="99000", review_record="审核"
        )
    with pytest.raises(ValidationError, match="验收之后"):
        village_result_publish(
            actor=district.street_zhenhai,
            project_id=project.pk,
            published_on=(timezone.localdate() - timedelta(days=400)).isoformat(),
            photo=photo(),
        )
    village_result_publish(
        actor=district.street_zhenhai,
        project_id=project.pk,
        published_on=timezone.localdate().isoformat(),
        photo=photo(),
    )
    settlement_record(
        actor=district.finance, project_id=project.pk, amount="99000", review_record="审核"
    )
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.SETTLED


def test_an_a_class_project_is_settled_with_its_audit_report(district):
    project = _accepted_as(district, ProjectClass.A)
    with pytest.raises(ValidationError, match="全过程审计"):
        settlement_record(
            actor=district.finance, project_id=project.pk, amount="99000", review_record="审核"
        )
    assert not Settlement.objects.filter(project=project).exists()
    settlement_record(
        actor=district.finance,
        project_id=project.pk,
        amount="99000",
        review_record="审核",
        audit_firm="莆田正信工程造价咨询有限公司",
        audit_report=SimpleUploadedFile("audit.pdf", b"%PDF-1.4 audit", "application/pdf"),
    )
    settlement = Settlement.objects.get(project=project)
    assert settlement.audit_firm == "莆田正信工程造价咨询有限公司" and settlement.audit_report
    event = AuditEvent.objects.order_by("-id").first()
    assert event.after["audit_firm"] == "莆田正信工程造价咨询有限公司"


# --- the pages ----------------------------------------------------------------------------


def test_the_pages_record_a_consultation_and_a_village_decision(client, district):
    project = b_simple(district)
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-action="consultation"' in page and 'data-action="direct-award"' not in page
    assert "采购方式：竞争性磋商、定点采购" in page
    response = client.post(
        reverse("approvals:consultation", args=[project.pk]),
        {
            "notice_date": "2026-11-20",
            "panel": "陈工\n林工\n黄工",
            "supplier": [str(q[0]) for q in quotes(district)] + ["", ""],
            "quote_amount": [q[1] for q in quotes(district)] + ["", ""],
            "quote_score": [q[2] for q in quotes(district)] + ["", ""],
            "winner": str(district.builder.pk),
            "reason": "综合得分最高",
        },
        follow=True,
    )
    assert "磋商记录已保存" in response.content.decode()
    assert 'data-testid="consultation"' in response.content.decode()

    draft = c_draft(district)
    page = client.get(reverse("projects:detail", args=[draft.pk])).content.decode()
    assert 'data-testid="village-form"' in page and "尚未记录村级决策" in page
    response = client.post(
        reverse("projects:village_decision", args=[draft.pk]),
        {**village_data(reps_attended="20"), "decision_photo": photo()},
        follow=True,
    )
    assert "三分之二以上" in response.content.decode()
    response = client.post(
        reverse("projects:village_decision", args=[draft.pk]),
        {**village_data(), "decision_photo": photo()},
        follow=True,
    )
    body = response.content.decode()
    assert "村级决策记录已保存" in body and 'data-testid="village-decision"' in body
    photo_page = client.get(reverse("projects:village_photo", args=[draft.pk, "decision"]))
    assert photo_page.status_code == 200
    client.force_login(district.street_gongchen)  # another street sees nothing of it
    assert (
        client.get(reverse("projects:village_photo", args=[draft.pk, "decision"])).status_code
        == 404
    )


# --- planned dates (issue #14 point 6) ----------------------------------------------------


def test_a_draft_without_its_planned_dates_is_not_filed(client, district):
    from projects.tests.factories import project_form_data

    project = make_project(district.street_zhenhai, planned_start=None, planned_end=None)
    with pytest.raises(ConflictError, match="计划开工和计划完工"):
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="file"
        )
    general = make_project(
        district.street_zhenhai, budget_amount=Decimal("120000"), planned_end=None
    )
    with pytest.raises(ConflictError, match="计划开工和计划完工"):
        services.project_transition(
            actor=district.street_zhenhai, project_id=general.pk, name="submit"
        )
    client.force_login(district.street_zhenhai)
    before = Project.objects.count()
    page = client.post(reverse("projects:create"), project_form_data(planned_start=""))
    assert page.status_code == 200 and Project.objects.count() == before


def test_the_api_records_a_consultation_and_refuses_a_lottery_winner_by_price(district):
    from rest_framework.test import APIClient

    project = b_simple(district)
    api = APIClient()
    api.force_authenticate(district.street_zhenhai)
    url = reverse("api-consultation", args=[project.pk])
    body = {
        "notice_date": "2026-11-20",
        "panel": ["陈工", "林工", "黄工"],
        "quotes": [{"supplier": s, "amount": a, "score": p} for s, a, p in quotes(district)],
        "winner": district.builder_b.pk,  # the lowest price, not the highest score
        "reason": "价格最低",
    }
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400 and "综合得分最高" in refused.content.decode()
    answer = api.post(url, {**body, "winner": district.builder.pk}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["procurement_method"] == ProcurementMethod.COMPETITIVE
