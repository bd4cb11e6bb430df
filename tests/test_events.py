"""Typed audit events: every verb is declared once with its labels, only events.py modules
record events, each service call records exactly one, and the timelines of the demo district
show labels, never raw verbs or field names."""

import hashlib
import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Organisation, User
from accounts.services import document_verify
from accounts.tests.factories import OrganisationFactory
from approvals import services as approvals
from approvals.events import ApprovalEvents
from approvals.tests.helpers import (
    approved_general,
    approved_major,
    contract_data,
    contracted_general,
    reveal_both,
)
from core.chunks import job_resume
from core.dates import SHANGHAI
from core.downloads import download_fetch, download_request
from core.errors import ConflictError
from core.events import (
    Change,
    CoreEvents,
    changes,
    field_label,
    is_registered,
    registered_verbs,
    value_label,
    verb_label,
    verbs,
)
from core.models import AuditEvent, JobRun, JobState
from inspections import services as inspections
from inspections.choices import ItemSource
from inspections.events import LEDGER_STEP_VERBS
from inspections.models import RectificationItem
from inspections.tests.images import encode, scene
from performance.reports import quarterly_report_issue
from performance.scoring import performance_score_quarter
from projects import services as projects
from projects.events import TRANSITION_VERBS, ProjectEvents
from projects.models import Project
from projects.selectors import project_timeline
from projects.services.filing import _project_transition
from projects.tests.factories import (
    make_project,
    project_data,
    village_data,
    village_record_fields,
)
from ratings.services import report_record
from tests.funds_helpers import ACCOUNT, RESIDENTS, accepted, under_way

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")

# --- one place per verb ---------------------------------------------------------------------


def test_only_events_modules_record_events_and_name_verbs():
    """record_event is called from an app's events.py only (and by the chain's own tests);
    no other module spells a verb, as a literal or an f-string."""
    call = "record_event" + "("
    spelled = re.compile(r"\bverb\s*=\s*f?[\"']")
    allowed = {
        "core/audit.py",
        "core/tests/test_audit.py",
        "core/tests/test_locks.py",
        "core/tests/test_heads.py",
        "dashboards/tests/test_open_data.py",
        "tests/test_celery_worker.py",
        "bench/audit_scale.py",  # the chains' own bench: appends as the services do
    }
    found = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if (
            relative.split("/")[0] in {".venv", "node_modules", "static"}
            or "/migrations/" in relative
        ):
            continue
        if path.name == "events.py" or relative in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if call in text or spelled.search(text):
            found.append(relative)
    assert found == []


def test_every_named_transition_and_ledger_step_has_its_verb():
    assert set(TRANSITION_VERBS) == set(projects.transition_names())
    steps = RectificationItem._meta.get_field("status").get_all_transitions(RectificationItem)
    assert set(LEDGER_STEP_VERBS) == {t.name for t in steps}


def test_every_verb_has_a_chinese_label_and_an_english_one():
    verbs = registered_verbs()
    assert len(verbs) >= 60
    for verb, label in verbs.items():
        assert CJK.search(str(label)), verb
        with translation.override("en"):
            english = str(label)
        assert english and not CJK.search(english), (verb, english)


def test_a_verb_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):

        @verbs
        class Again(models.TextChoices):
            CREATED = ProjectEvents.CREATED.value, "again"


def test_verbs_stored_by_older_code_still_read():
    assert verb_label("tierpolicy.created_in_admin") == "管理后台新增"
    assert verb_label("user.changed_in_admin") == "管理后台修改"
    assert verb_label(ProjectEvents.RETURN_FOR_REVISION) == "退回修改"
    assert verb_label("no.such_verb") == "no.such_verb"  # shown as stored, never an error


def test_changes_read_in_labels_and_leave_out_what_did_not_change():
    event = SimpleNamespace(
        verb=ProjectEvents.DEPT_APPROVE,
        object_type="projects.project",
        before={"status": "submitted", "tier": "general"},
        after={"status": "dept_approved", "tier": "general", "reviewed_budget": None},
    )  # the tier did not change, and an empty fact on one side says nothing
    assert changes(event) == [Change("status", "状态", "已申报", "初审通过")]
    event = SimpleNamespace(
        verb=ProjectEvents.UPDATED,
        object_type="projects.project",
        before={"budget_amount": "38000.00", "tier": "simple"},
        after={"budget_amount": "120000.00", "tier": "general"},
    )
    assert changes(event) == [
        Change("budget_amount", "申报预算（元）", "38000.00", "120000.00"),
        Change("tier", "类别等级", "简易类", "一般类"),
    ]
    paid = SimpleNamespace(
        verb=ProjectEvents.PAYMENT_PAID,
        object_type="projects.project",
        before={"payment_status": "approved"},
        after={"payment_status": "paid", "over_budget": False, "stage": "final"},
    )
    assert [(c.label, c.before, c.after) for c in changes(paid)] == [
        ("支付状态", "已审核待支付", "已支付"),
        ("超出审定预算", "", "否"),
        ("款项类型", "", "结算款"),
    ]


# --- one event per service call ---------------------------------------------------------------


def _photo(seed=1):
    return SimpleUploadedFile("site.jpg", encode(scene(seed)), content_type="image/jpeg")


def _near(d, name="文献路东段路面修复", **kw):
    return make_project(d.street_zhenhai, budget_amount=Decimal("30000"), name=name, **kw)


def _split_pair(d):
    first = _near(d)
    approvals.project_transition(actor=d.street_zhenhai, project_id=first.pk, name="file")
    return _near(d, latitude=first.latitude + Decimal("0.0018"))


def _awarded(d):
    project = approved_general(d)
    approvals.lottery_shortlist(
        actor=d.dept, project_id=project.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
    )
    reveal_both(d, project.pk)
    return project, approvals.lottery_draw(actor=d.dept, project_id=project.pk).winner


def _contracted(d, amount="480000"):
    project = approved_general(d, amount="470000")
    approvals.lottery_shortlist(
        actor=d.dept, project_id=project.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
    )
    reveal_both(d, project.pk)
    winner = approvals.lottery_draw(actor=d.dept, project_id=project.pk).winner
    approvals.contract_file(
        actor=d.street_zhenhai,
        project_id=project.pk,
        data=contract_data(d, company=winner, amount=amount),
    )
    return project


def _escalated(d):
    project = _contracted(d)
    change = approvals.change_request(
        actor=d.street_zhenhai, project_id=project.pk, amount_delta="40000", reason="管线迁改"
    )
    approvals.change_decide(actor=d.drc, change_id=change.pk, approve=True)
    return project


def _requested(d):
    project, contractor = under_way(d)
    payment = projects.payment_request(
        actor=contractor,
        project_id=project.pk,
        stage="progress",
        amount="30000",
        payee_account=ACCOUNT,
    )
    return payment


def _item(d):
    project, contractor = under_way(d)
    item = inspections.item_open(
        actor=d.dept,
        project_id=project.pk,
        source=ItemSource.PATROL_LOG,
        problem="基坑临边未设防护栏",
        responsible_organisation_id=project.contractor_id,
        deadline=timezone.localdate() + timedelta(days=7),
        standard="按规范设置1.2米防护栏",
    )
    return item, contractor


def _submitted_item(d):
    item, contractor = _item(d)
    inspections.item_submit(actor=contractor, item_id=item.pk, evidence="已设置防护栏")
    return item


def _round(d):
    return inspections.round_create(
        actor=d.discipline,
        name="第四轮巡察",
        inspecting_body="区委第二巡察组",
        started_on=date(2026, 11, 1),
    )


def _completed(d):
    project, contractor = under_way(d, progress="100")
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    return project


def _labbed(d):
    project = _completed(d)
    inspections.lab_test_record(
        actor=d.lab, project_id=project.pk, pass_rate="100", report_no="JC-2027-001"
    )
    return project


def _missing_log_day(d):
    project, _contractor = under_way(d, progress=None)
    Project.objects.filter(pk=project.pk).update(
        started_at=datetime(2026, 11, 2, 9, tzinfo=SHANGHAI)
    )  # a Monday; Tuesday 3 November is a working day without a log
    return date(2026, 11, 3)


def _b_filed(d):
    return make_project(
        d.street_zhenhai, budget_amount=Decimal("38000"), project_class="B", transitions=("file",)
    )


def _consultation(d):
    project = _b_filed(d)
    return lambda: approvals.consultation_record(
        actor=d.street_zhenhai,
        project_id=project.pk,
        notice_date=date(2026, 11, 20),
        panel=["陈工", "林工", "黄工"],
        quotes=[
            (d.builder.pk, "41000", "92"),
            (d.builder_b.pk, "39800", "88"),
            (d.builder_c.pk, "42500", "80"),
        ],
        winner_id=d.builder.pk,
        reason="综合得分最高",
    )


def _framework_order(d):
    from approvals.models import FrameworkAgreement

    today = timezone.localdate()
    agreement = FrameworkAgreement.objects.create(
        supplier=d.builder_c,
        reference="荔住建定点〔2026〕3号",
        valid_from=today,
        valid_to=today + timedelta(days=30),
    )
    project = _b_filed(d)
    return lambda: approvals.framework_order(
        actor=d.street_zhenhai, project_id=project.pk, agreement_id=agreement.pk, reason="维修"
    )


def _png():
    return SimpleUploadedFile("board.png", encode(scene(1), "PNG"), "image/png")


def _village_decision(d):
    project = make_project(d.street_zhenhai, project_class="C")
    return lambda: projects.village_decision_record(
        actor=d.street_zhenhai, project_id=project.pk, data=village_data(), decision_photo=_png()
    )


def _village_result(d):
    project, contractor = under_way(d, progress="100")
    from projects.models import VillageDecision  # made on the draft in life; here directly

    VillageDecision.objects.create(
        project=project,
        recorded_by=d.street_zhenhai,
        decision_photo=_png(),
        **village_record_fields(project.street),
    )
    project = accepted(d, project, contractor)
    return lambda: projects.village_result_publish(
        actor=d.street_zhenhai,
        project_id=project.pk,
        published_on=timezone.localdate().isoformat(),
        photo=_png(),
    )


def _tracker(d):
    project = _b_filed(d)
    return lambda: projects.tracker_set(
        actor=d.street_zhenhai, project_id=project.pk, tracker_id=d.street_zhenhai_2.pk
    )


def _audited_settlement(d):
    project = accepted(d, *under_way(d, progress="100"))
    Project.objects.filter(pk=project.pk).update(project_class="A")
    return lambda: projects.settlement_record(
        actor=d.finance,
        project_id=project.pk,
        amount="98000",
        review_record="审定结算",
        audit_firm="莆田正信造价咨询",
        audit_report=SimpleUploadedFile("audit.pdf", b"%PDF-1.4 audit", "application/pdf"),
    )


def _village(d):
    from accounts.services import village_create

    return village_create(actor=d.street_zhenhai, name="文献社区")


def _appointed(d):
    from accounts.services import village_supervisor_appoint

    return village_supervisor_appoint(
        actor=d.street_zhenhai,
        village_id=_village(d).pk,
        full_name="林老师",
        phone="13800000001",
        username="vs_lin",
    ).appointment


def _watched(d, *, completed=False):
    """A project under way in a village with its 村民监督员 (the supervisor, the project)."""
    project, contractor = under_way(d)
    lin = _appointed(d).user
    projects.project_village_set(
        actor=d.street_zhenhai, project_id=project.pk, village_id=lin.organisation_id
    )
    if completed:
        approvals.project_transition(
            actor=contractor, project_id=project.pk, name="declare_complete"
        )
    return lin, project


def _village_inspection_services():
    import uuid

    return {
        "inspections.village_observation_record (opens a ledger item)": lambda d: (
            lambda lp: (
                lambda: inspections.village_observation_record(
                    actor=lp[0],
                    project_id=lp[1].pk,
                    client_key=str(uuid.uuid4()),
                    text="围挡倒塌",
                    open_item=True,
                )
            )
        )(_watched(d)),
        "inspections.village_observation_open_item": lambda d: (
            lambda lp: (
                lambda o: (
                    lambda: inspections.village_observation_open_item(
                        actor=lp[0], observation_id=o.pk
                    )
                )
            )(
                inspections.village_observation_record(
                    actor=lp[0], project_id=lp[1].pk, client_key=str(uuid.uuid4()), text="积水"
                )
            )
        )(_watched(d)),
        "inspections.acceptance_sign": lambda d: (
            lambda lp: (
                lambda: inspections.acceptance_sign(
                    actor=lp[0], project_id=lp[1].pk, opinion="同意验收"
                )
            )
        )(_watched(d, completed=True)),
    }


def _village_services():
    from accounts import services as accounts

    return {
        "accounts.village_create": lambda d: (
            lambda: accounts.village_create(actor=d.street_zhenhai, name="文献社区")
        ),
        "accounts.village_supervisor_appoint": lambda d: (
            lambda v: (
                lambda: accounts.village_supervisor_appoint(
                    actor=d.street_zhenhai,
                    village_id=v.pk,
                    full_name="林老师",
                    phone="13800000001",
                    username="vs_lin",
                )
            )
        )(_village(d)),
        "accounts.village_supervisor_retire": lambda d: (
            lambda a: (
                lambda: accounts.village_supervisor_retire(
                    actor=d.street_zhenhai, appointment_id=a.pk, reason="年事已高"
                )
            )
        )(_appointed(d)),
        "projects.project_village_set": lambda d: (
            lambda p, v: (
                lambda: projects.project_village_set(
                    actor=d.street_zhenhai, project_id=p.pk, village_id=v.pk
                )
            )
        )(make_project(d.street_zhenhai), _village(d)),
    }


# name: (set-up through the services → the call, the refusal it ends in or None)
def _settled(d):
    project = accepted(d, *under_way(d, progress="100"))
    projects.settlement_record(
        actor=d.finance, project_id=project.pk, amount="98000", review_record="审定结算"
    )
    return project


SERVICES = {
    **_village_services(),
    **_village_inspection_services(),
    "approvals.consultation_record": _consultation,
    "approvals.framework_order": _framework_order,
    "projects.village_decision_record": _village_decision,
    "projects.village_result_publish": _village_result,
    "projects.tracker_set": _tracker,
    "projects.settlement_record (A类, with its audit report)": _audited_settlement,
    "projects.project_create": lambda d: (
        lambda: projects.project_create(actor=d.street_zhenhai, data=project_data())
    ),
    "projects.project_update": lambda d: (
        lambda p: (
            lambda: projects.project_update(
                actor=d.street_zhenhai, project_id=p.pk, data={"name": "文献路路面修复（调整）"}
            )
        )
    )(make_project(d.street_zhenhai)),
    "projects._project_transition": lambda d: (
        lambda p: lambda: _project_transition(actor=d.street_zhenhai, project_id=p.pk, name="file")
    )(make_project(d.street_zhenhai)),
    "approvals.project_transition (submit)": lambda d: (
        lambda p: (
            lambda: approvals.project_transition(
                actor=d.street_zhenhai, project_id=p.pk, name="submit"
            )
        )
    )(make_project(d.street_zhenhai, budget_amount=Decimal("120000"))),
    "approvals.project_transition (submit with a split found)": lambda d: (
        lambda p: (
            lambda: approvals.project_transition(
                actor=d.street_zhenhai, project_id=p.pk, name="submit"
            )
        )
    )(_split_pair(d)),
    "approvals.project_transition (filing refused for a split)": lambda d: (
        lambda p: (
            lambda: approvals.project_transition(
                actor=d.street_zhenhai, project_id=p.pk, name="file"
            ),
            ConflictError,
        )
    )(_split_pair(d)),
    "approvals.project_transition (review)": lambda d: (
        lambda p: (
            lambda: approvals.project_transition(actor=d.dept, project_id=p.pk, name="dept_approve")
        )
    )(make_project(d.street_zhenhai, budget_amount=Decimal("120000"), transitions=("submit",))),
    "approvals.split_check": lambda d: (
        lambda p: lambda: approvals.split_check(actor=d.street_zhenhai, project_id=p.pk)
    )(_split_pair(d)),
    "approvals.direct_award": lambda d: (
        lambda p: (
            lambda: approvals.direct_award(
                actor=d.street_zhenhai,
                project_id=p.pk,
                contractor_id=d.builder.pk,
                reason="应急抢修",
            )
        )
    )(make_project(d.street_zhenhai, transitions=("file",))),
    "approvals.lottery_shortlist": lambda d: (
        lambda p: (
            lambda: approvals.lottery_shortlist(
                actor=d.dept, project_id=p.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
            )
        )
    )(approved_general(d)),
    "approvals.lottery_draw": lambda d: (
        lambda p: (
            approvals.lottery_shortlist(
                actor=d.dept, project_id=p.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
            ),
            reveal_both(d, p.pk),
            lambda: approvals.lottery_draw(actor=d.dept, project_id=p.pk),
        )[2]
    )(approved_general(d)),
    "approvals.lottery_commit": lambda d: (
        lambda p: (
            approvals.lottery_shortlist(
                actor=d.dept, project_id=p.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
            ),
            lambda: approvals.lottery_commit(
                actor=d.discipline, project_id=p.pk, commitment="a" * 64
            ),
        )[1]
    )(approved_general(d)),
    "approvals.lottery_reveal": lambda d: (
        lambda p: (
            approvals.lottery_shortlist(
                actor=d.dept, project_id=p.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
            ),
            approvals.lottery_commit(
                actor=d.dept, project_id=p.pk, commitment=hashlib.sha256(b"k1").hexdigest()
            ),
            approvals.lottery_commit(
                actor=d.discipline, project_id=p.pk, commitment=hashlib.sha256(b"k2").hexdigest()
            ),
            lambda: approvals.lottery_reveal(actor=d.dept, project_id=p.pk, secret="k1"),
        )[3]
    )(approved_general(d)),
    "approvals.extension_request": lambda d: (
        lambda pc: (
            lambda: approvals.extension_request(
                actor=pc[1],
                project_id=pc[0].pk,
                new_end=pc[0].planned_end + timedelta(days=20),
                reason="雨季",
            )
        )
    )(under_way(d)),
    "approvals.extension_decide": lambda d: (
        lambda e: (
            lambda: approvals.extension_decide(
                actor=d.drc, extension_id=e.pk, approve=True, comment="同意"
            )
        )
    )(
        (
            lambda pc: approvals.extension_request(
                actor=pc[1],
                project_id=pc[0].pk,
                new_end=pc[0].planned_end + timedelta(days=20),
                reason="雨季",
            )
        )(under_way(d))
    ),
    "projects.project_class_set": lambda d: (
        lambda p: (
            lambda: projects.project_class_set(
                actor=d.dept, project_id=p.pk, project_class="A", reason="学校周边"
            )
        )
    )(make_project(d.street_zhenhai, budget_amount=Decimal("120000"), transitions=("submit",))),
    "projects.start_document_record": lambda d: (
        lambda p: (
            lambda: projects.start_document_record(
                actor=d.street_zhenhai,
                project_id=p.pk,
                item="wage",
                upload=SimpleUploadedFile("wage.pdf", b"%PDF-1.4 x", "application/pdf"),
            )
        )
    )(contracted_general(d)),
    "approvals.tender_record": lambda d: (
        lambda p: (
            lambda: approvals.tender_record(
                actor=d.street_zhenhai,
                project_id=p.pk,
                notice_date=date(2026, 12, 1),
                bids=[
                    (d.builder.pk, "655000"),
                    (d.builder_b.pk, "649000"),
                    (d.builder_c.pk, "671000"),
                ],
                winner_id=d.builder_b.pk,
                reason="经评标委员会评审",
            )
        )
    )(approved_major(d)),
    "approvals.contract_file": lambda d: (
        lambda pw: (
            lambda: approvals.contract_file(
                actor=d.street_zhenhai, project_id=pw[0].pk, data=contract_data(d, company=pw[1])
            )
        )
    )(_awarded(d)),
    "approvals.change_request": lambda d: (
        lambda p: (
            lambda: approvals.change_request(
                actor=d.street_zhenhai, project_id=p.pk, amount_delta="40000", reason="管线迁改"
            )
        )
    )(_contracted(d)),
    "approvals.change_decide (escalates the tier)": lambda d: (
        lambda c: lambda: approvals.change_decide(actor=d.drc, change_id=c.pk, approve=True)
    )(
        approvals.change_request(
            actor=d.street_zhenhai,
            project_id=_contracted(d).pk,
            amount_delta="40000",
            reason="管线迁改",
        )
    ),
    "approvals.escalation_approve": lambda d: (
        lambda p: lambda: approvals.escalation_approve(actor=d.finance, project_id=p.pk)
    )(_escalated(d)),
    "projects.payment_request": lambda d: (
        lambda pc: (
            lambda: projects.payment_request(
                actor=pc[1],
                project_id=pc[0].pk,
                stage="progress",
                amount="30000",
                payee_account=ACCOUNT,
            )
        )
    )(under_way(d)),
    "projects.payment_approve": lambda d: (
        lambda p: lambda: projects.payment_approve(actor=d.finance, payment_id=p.pk)
    )(_requested(d)),
    "projects.payment_return": lambda d: (
        lambda p: (
            lambda: projects.payment_return(actor=d.finance, payment_id=p.pk, reason="发票抬头有误")
        )
    )(_requested(d)),
    "projects.payment_mark_paid": lambda d: (
        lambda p: (
            projects.payment_approve(actor=d.finance, payment_id=p.pk),
            lambda: projects.payment_mark_paid(
                actor=d.finance, payment_id=p.pk, paid_on=date(2027, 2, 1), voucher_no="记-1"
            ),
        )[1]
    )(_requested(d)),
    "projects.settlement_record": lambda d: (
        lambda p: (
            lambda: projects.settlement_record(
                actor=d.finance, project_id=p.pk, amount="98000", review_record="审定结算"
            )
        )
    )(accepted(d, *under_way(d, progress="100"))),
    "inspections.progress_report": lambda d: (
        lambda pc: (
            lambda: inspections.progress_report(
                actor=pc[1], project_id=pc[0].pk, percent="50", text="路面铺设过半"
            )
        )
    )(under_way(d, progress=None)),
    "inspections.patrol_log_record": lambda d: (
        lambda pc: (
            lambda: inspections.patrol_log_record(
                actor=d.supervisor,
                project_id=pc[0].pk,
                client_key=uuid.uuid4(),
                log_date=timezone.localdate(),
                weather="晴",
                work_done="铺设人行道砖 30 米",
                head_count=6,
                photos=[_photo()],
            )
        )
    )(under_way(d, progress=None)),
    "inspections.record_missing_patrol_logs": lambda d: (
        lambda day: lambda: inspections.record_missing_patrol_logs(day)
    )(_missing_log_day(d)),
    "inspections.item_open": lambda d: (
        lambda pc: (
            lambda: inspections.item_open(
                actor=d.dept,
                project_id=pc[0].pk,
                source=ItemSource.PATROL_LOG,
                problem="基坑临边未设防护栏",
                responsible_organisation_id=pc[0].contractor_id,
                deadline=timezone.localdate() + timedelta(days=7),
                standard="按规范设置1.2米防护栏",
            )
        )
    )(under_way(d)),
    "inspections.item_start": lambda d: (
        lambda ic: lambda: inspections.item_start(actor=ic[1], item_id=ic[0].pk)
    )(_item(d)),
    "inspections.item_submit": lambda d: (
        lambda ic: (
            lambda: inspections.item_submit(actor=ic[1], item_id=ic[0].pk, evidence="已设置防护栏")
        )
    )(_item(d)),
    "inspections.item_send_back": lambda d: (
        lambda i: (
            lambda: inspections.item_send_back(actor=d.dept, item_id=i.pk, reason="栏杆高度不足")
        )
    )(_submitted_item(d)),
    "inspections.item_close": lambda d: (
        lambda i: lambda: inspections.item_close(actor=d.dept, item_id=i.pk)
    )(_submitted_item(d)),
    "inspections.round_create": lambda d: lambda: _round(d),
    "inspections.round_feedback": lambda d: (
        lambda r: (
            lambda: inspections.round_feedback(
                actor=d.discipline,
                round_id=r.pk,
                problem="备案资料不全",
                responsible_organisation_id=d.zhenhai.pk,
                deadline=timezone.localdate() + timedelta(days=30),
                standard="补齐备案资料",
            )
        )
    )(_round(d)),
    "inspections.round_close": lambda d: (
        lambda r: (
            lambda: inspections.round_close(
                actor=d.discipline, round_id=r.pk, closing_summary="反馈问题已整改"
            )
        )
    )(_round(d)),
    "inspections.spot_check_record (passed)": lambda d: (
        lambda pc: (
            lambda: inspections.spot_check_record(
                actor=d.dept, project_id=pc[0].pk, items=[("混凝土强度", True, "")]
            )
        )
    )(under_way(d)),
    "inspections.spot_check_record (failed: opens a ledger item)": lambda d: (
        lambda pc: (
            lambda: inspections.spot_check_record(
                actor=d.dept,
                project_id=pc[0].pk,
                items=[("混凝土强度", True, ""), ("面层平整度", False, "超差8毫米")],
            )
        )
    )(under_way(d)),
    "inspections.plan_create": lambda d: (
        lambda: inspections.plan_create(actor=d.dept, month=date(2026, 12, 1), seed="x")
    ),
    "inspections.lab_test_record": lambda d: (
        lambda p: (
            lambda: inspections.lab_test_record(
                actor=d.lab, project_id=p.pk, pass_rate="100", report_no="JC-2027-001"
            )
        )
    )(_completed(d)),
    "inspections.acceptance_record": lambda d: (
        lambda p: (
            lambda: inspections.acceptance_record(
                actor=d.street_zhenhai,
                project_id=p.pk,
                participants=RESIDENTS,
                conclusion="同意验收",
            )
        )
    )(_labbed(d)),
    "inspections.acceptance_certificate_issue": lambda d: (
        lambda p: (
            lambda: inspections.acceptance_certificate_issue(
                actor=d.street_zhenhai, project_id=p.pk
            )
        )
    )(accepted(d, *under_way(d, progress="100"))),
    "projects.settlement_review_issue": lambda d: (
        lambda p: lambda: projects.settlement_review_issue(actor=d.discipline, project_id=p.pk)
    )(_settled(d)),
    "performance.quarterly_report_issue": lambda d: (
        lambda period: lambda: quarterly_report_issue(actor=d.dept, period=period, sections=[])
    )(performance_score_quarter(quarter="2026Q3")),
    "core.job_resume (a long job that failed)": lambda d: (
        lambda run: lambda: job_resume(actor=d.admin, run_id=run.pk)
    )(
        JobRun.objects.create(
            job="performance-score-quarterly",
            params={"quarter": "2026Q3"},
            state=JobState.FAILED,
            total=10,
            done=4,
            chunks=2,
        )
    ),
    "core.download_request (an export asked for, not yet made)": lambda d: (
        lambda: _no_workers(
            lambda: download_request(
                actor=d.discipline,
                kind="dashboards.projects",
                params={"query": {}},
                title="项目清单",
            )
        )
    ),
    "core.download_fetch": lambda d: (
        lambda download: lambda: download_fetch(actor=d.discipline, download_id=download.pk)
    )(
        download_request(
            actor=d.discipline, kind="dashboards.projects", params={"query": {}}, title="项目清单"
        )
    ),
    "accounts.document_verify": lambda d: (
        lambda: document_verify(actor=d.discipline, data=b"%PDF-1.7\n%%EOF\n")
    ),
    "ratings.report_record (opens a ledger item)": lambda d: (
        lambda pc: (
            lambda: report_record(
                project=pc[0], text="夜间施工噪音扰民", contact="", address="203.0.113.9"
            )
        )
    )(under_way(d)),
}


def _no_workers(call):
    """The call as with workers: the file is asked for and left queued (nothing sent)."""
    from unittest import mock

    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with mock.patch("core.outbox.publish"):
            return call()
    finally:
        app.conf.task_always_eager = eager


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_call_records_exactly_one_labelled_event(district, name):
    call = SERVICES[name](district)
    call, refusal = call if isinstance(call, tuple) else (call, None)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if refusal is None:
        call()
    else:
        with pytest.raises(refusal):
            call()
    new = list(AuditEvent.objects.filter(id__gt=last))
    assert len(new) == 1, [e.verb for e in new]
    event = new[0]
    assert is_registered(event.verb), event.verb
    for key in [*event.before, *event.after]:
        label = field_label(event.object_type, key, event.verb)
        assert label != key and CJK.search(label), (event.verb, key)
        for side in (event.before, event.after):
            if key in side:
                value_label(event.object_type, key, side[key], event.verb)


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_opens_its_own_durable_transaction(district, name):
    """A top-level service commits what it did: it refuses to run inside another transaction
    (the inner halves, item_add or fire_transition, are for that)."""
    call = SERVICES[name](district)
    call = call[0] if isinstance(call, tuple) else call
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        call()


def test_a_split_found_on_submitting_is_part_of_the_submission_event(district):
    project = _split_pair(district)
    approvals.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="submit"
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert event.verb == ProjectEvents.SUBMIT
    assert event.after["split_flagged"] is True and len(event.after["split_group"]) == 2
    assert not AuditEvent.objects.filter(verb=ApprovalEvents.SPLIT_FLAGGED).exists()


def test_a_refused_filing_keeps_its_split_flags_and_their_event(district):
    project = _split_pair(district)
    with pytest.raises(ConflictError):
        approvals.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="file"
        )
    project.refresh_from_db()
    assert project.split_flagged and project.status == "draft"
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.verb, event.object_id) == (ApprovalEvents.SPLIT_FLAGGED, str(project.pk))


def test_a_refused_update_records_nothing(district):
    project = make_project(district.street_zhenhai)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        projects.project_update(
            actor=district.street_zhenhai, project_id=project.pk, data={"budget_amount": "x"}
        )
    assert AuditEvent.objects.count() == events


def test_deleting_a_selection_in_the_admin_is_one_event(client, district):
    doomed = [OrganisationFactory(name=f"待删单位{n}") for n in range(3)]
    client.force_login(district.admin)
    response = client.post(
        reverse("admin:accounts_organisation_changelist"),
        {"action": "delete_selected", "_selected_action": [o.pk for o in doomed], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk__in=[o.pk for o in doomed]).exists()
    event = AuditEvent.objects.get(verb=CoreEvents.ADMIN_DELETED)
    assert event.object_type == "accounts.organisation"
    assert sorted(d["name"] for d in event.after["deleted"]) == [o.name for o in doomed]


# --- the demo district reads in labels ---------------------------------------------------------


def _visible_text(html: str, start: str, end: str) -> str:
    block = re.search(re.escape(start) + r"(.*?)" + re.escape(end), html, re.S)
    assert block, start
    return re.sub(r"<[^>]+>", " ", block.group(1))


def _raw_words(text: str, words) -> list[str]:
    return sorted(
        w for w in words if re.search(rf"(?<![A-Za-z0-9_.]){re.escape(w)}(?![A-Za-z0-9_])", text)
    )


def test_the_demo_district_reads_in_labels_on_every_project_page(db, client):
    call_command("seed_demo")
    # Every verb the demo recorded is declared, and so is every field it wrote.
    for event in AuditEvent.objects.all():
        assert is_registered(event.verb), event.verb
        for key in [*event.before, *event.after]:
            assert field_label(event.object_type, key, event.verb) != key, (event.verb, key)
    verbs = list(registered_verbs())
    client.login(request=HttpRequest(), username="discipline", password="licheng-demo-2025")
    projects_shown = Project.objects.order_by("pk")
    assert projects_shown.count() >= 30
    officer = User.objects.get(username="discipline")
    for project in projects_shown:
        events = list(project_timeline(project, officer))
        keys = {k for e in events for k in [*e.before, *e.after]}
        page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        text = _visible_text(page, 'data-testid="timeline">', "</ol>")
        assert _raw_words(text, verbs) == [], project.code
        assert _raw_words(text, keys) == [], project.code
        for event in events:
            assert verb_label(event.verb) in text
        timeline = client.get(reverse("dashboards:timeline", args=[project.pk])).content.decode()
        text = _visible_text(timeline, 'data-testid="timeline">', "</table>")
        assert _raw_words(text, verbs) == [], project.code
        assert _raw_words(text, keys) == [], project.code
    # The street officer's own projects read the same (the same template, another role).
    street = User.objects.get(username="street_zhenhai")
    client.force_login(street)
    for project in Project.objects.filter(street=street.organisation):
        page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        text = _visible_text(page, 'data-testid="timeline">', "</ol>")
        assert _raw_words(text, verbs) == [], project.code
