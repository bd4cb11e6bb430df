"""Two sides of one district for the security sweeps: the "own" side (镇海街道, its contractor
宏达建设 and supervision unit 正诚监理, whose staff are the acting users) and the "other" side
(拱辰街道, 兴莆市政, 诚信监理), each with a project at every stage an endpoint acts on. Built
through the services, as the people involved would."""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import cast

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.choices import OrganisationKind, Role, StaffPosition
from accounts.models import CompanyStaff, Organisation, User
from accounts.services import token_issue, village_supervisor_appoint
from accounts.tests.factories import OrganisationFactory, UserFactory
from accounts.tests.factories import district as build_district
from approvals import services as approvals
from approvals.choices import FlagKind
from approvals.models import Flag
from approvals.tests.helpers import contract_data, reveal_both
from core.periods import Quarter
from dashboards.models import Lead
from inspections import services as inspections
from inspections.models import Acceptance, SpotCheckPolicy, Video
from inspections.tests.images import encode, scene
from performance.models import DemonstrationProposal
from performance.scoring import performance_score_quarter
from projects import services as projects
from projects.models import Project, ProjectAttachment, Settlement, VillageDecision
from projects.tests.factories import (
    ensure_default_start_policy,
    ensure_default_tier_policy,
    make_village,
    project_data,
    ready_to_start,
)
from ratings import services as ratings
from ratings.choices import RatingStatus
from ratings.models import Rating, Review

ACCOUNT = "35050161000000004321"
QUARTER = str(Quarter.of(timezone.localdate()))  # the current one: the sides are active in it
# What marks a side's rows in any page or API answer: every project name carries it.
MARKS = {"own": "甲片区", "other": "乙片区"}


@dataclass
class Side:
    name: str
    street_user: object
    contractor: Organisation
    contractor_user: object
    supervision: Organisation
    objects: dict = field(default_factory=dict)

    def __getattr__(self, item):
        try:
            return self.__dict__["objects"][item]
        except KeyError:
            raise AttributeError(item) from None


def photo_file(seed: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"site{seed}.jpg", encode(scene(seed)), content_type="image/jpeg")


def _project(side: Side, what: str, amount: str, *transitions: tuple[object, str]):
    data = project_data(
        name=f"{MARKS[side.name]}{what}",
        budget_amount=Decimal(amount),
        latitude=None,
        longitude=None,
    )
    project = projects.project_create(actor=side.street_user, data=data)
    for actor, name in transitions:
        approvals.project_transition(actor=actor, project_id=project.pk, name=name)
    return project


def _contracted(d, side: Side, what: str):
    """A 简易类 project awarded directly to the side's contractor, contract filed, under way."""
    s = side.street_user
    project = _project(side, what, "38000", (s, "file"))
    approvals.direct_award(
        actor=s, project_id=project.pk, contractor_id=side.contractor.pk, reason="名录库内随机选取"
    )
    staff = {
        p: CompanyStaff.objects.get(organisation=side.contractor, position=p).pk
        for p in ("project_manager", "safety_officer", "quality_inspector")
    }
    supervisor = CompanyStaff.objects.get(
        organisation=side.supervision, position=StaffPosition.SITE_SUPERVISOR
    ).pk
    approvals.contract_file(
        actor=s,
        project_id=project.pk,
        data=contract_data(
            d,
            amount="36000",
            supervision_unit=side.supervision.pk,
            site_supervisor=supervisor,
            **staff,
        ),
    )
    ready_to_start(project, s)
    approvals.project_transition(actor=s, project_id=project.pk, name="start_work")
    inspections.progress_report(
        actor=side.contractor_user,
        project_id=project.pk,
        percent="40",
        text="完成过半",
        photos=[photo_file(project.pk)],
    )
    return type(project).objects.get(pk=project.pk)


def _side(d, name: str, street_user, contractor, contractor_user, supervision) -> Side:
    side = Side(name, street_user, contractor, contractor_user, supervision)
    s, o = street_user, side.objects
    Organisation.objects.filter(pk=contractor.pk).update(bank_account=ACCOUNT)
    o["draft"] = _project(side, "公厕改造", "38000")
    o["submitted"] = _project(side, "小学围墙加固", "120000", (s, "submit"))
    o["approved_general"] = _project(
        side,
        "排涝泵站检修",
        "130000",
        (s, "submit"),
        (d.dept, "dept_approve"),
        (d.expert, "expert_approve"),
        (d.drc, "drc_file"),
    )
    o["approved_simple"] = _project(side, "农贸市场雨棚", "39000", (s, "file"))
    o["awarded"] = _project(side, "渔港护栏更换", "37000", (s, "file"))
    approvals.direct_award(
        actor=s, project_id=o["awarded"].pk, contractor_id=contractor.pk, reason="名录库内随机选取"
    )
    o["under_way"] = p = _contracted(d, side, "小区路灯增设")
    o["start_document"] = p.start_documents.first()
    # A village's 四议两公开 record, written directly (its rules have their own tests).
    o["village"] = VillageDecision.objects.create(
        project=p,
        village=make_village(p.street, f"{MARKS[side.name]}社区"),
        proposal="增设路灯",
        proposed_on=date(2026, 10, 8),
        discussed_on=date(2026, 10, 12),
        party_meeting_on=date(2026, 10, 20),
        party_attended=31,
        party_total=45,
        resolved_on=date(2026, 10, 25),
        reps_attended=28,
        reps_total=35,
        votes_for=26,
        decision_published_on=date(2026, 10, 27),
        decision_photo=photo_file(7),
        recorded_by=s,
    )
    # The side's village, with one 村民监督员 (the own side's is the acting "village" user):
    # the project under way and the completed one lie in it.
    o["village_org"] = o["village"].village
    o["appointment"] = village_supervisor_appoint(
        actor=s,
        village_id=o["village_org"].pk,
        full_name=f"{MARKS[side.name]}林老师",
        phone="13800000001",
        username=f"village_{side.name}",
    ).appointment
    Project.objects.filter(pk=p.pk).update(village=o["village_org"])
    o["observation"] = inspections.village_observation_record(
        actor=o["appointment"].user,
        project_id=p.pk,
        client_key=str(uuid.uuid4()),
        text=f"{MARKS[side.name]}路灯基础开挖未设围挡",
        photos=[photo_file(40 + len(side.name))],
    )
    o["village_photo"] = o["observation"].photos.get()
    o["photo"] = p.progress_reports.get().photos.get()
    # A site clip, written directly (its checks by ffprobe have their own tests).
    o["video"] = video = Video(
        project=p,
        progress_report=p.progress_reports.get(),
        original_name="clip.mp4",
        content_type="video/mp4",
        size=4,
        duration="1.00",
        width=64,
        height=64,
        codec="h264",
        sha256="0" * 64,
        uploaded_by=cast(User, side.contractor_user),
    )
    video.original.save("clip.mp4", ContentFile(b"clip"), save=False)
    video.playable.save("clean.mp4", ContentFile(b"clip"), save=False)
    video.poster.save("poster.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    video.save()
    # Its acceptance and settlement records, written directly (their rules have their own tests),
    # so that the signed certificate and settlement review can be asked for.
    Acceptance.objects.create(
        project=p,
        participants=[{"name": "林阿姨", "organisation": "", "role": "resident_representative"}],
        conclusion="同意验收",
        accepted_by=s,
    )
    Settlement.objects.create(project=p, amount="35000", review_record="审定", settled_by=d.finance)
    o["payment_requested"] = projects.payment_request(
        actor=contractor_user,
        project_id=p.pk,
        stage="progress",
        amount="3000",
        payee_account=ACCOUNT,
    )
    o["payment_approved"] = projects.payment_request(
        actor=contractor_user,
        project_id=p.pk,
        stage="progress",
        amount="2000",
        payee_account=ACCOUNT,
    )
    projects.payment_approve(actor=d.finance, payment_id=o["payment_approved"].pk)
    o["change"] = approvals.change_request(
        actor=contractor_user, project_id=p.pk, amount_delta="1000", reason="增设两盏路灯"
    )
    o["extension"] = approvals.extension_request(
        actor=contractor_user,
        project_id=p.pk,
        new_end=p.planned_end + timedelta(days=30),
        reason="雨季停工",
    )
    o["item"] = inspections.item_open(
        actor=d.dept,
        project_id=p.pk,
        source="spot_check",
        problem="灯杆基础不实",
        responsible_organisation_id=contractor.pk,
        deadline=timezone.localdate() + timedelta(days=10),
        standard="重新浇筑基础",
    )
    o["item_submitted"] = inspections.item_open(
        actor=d.dept,
        project_id=p.pk,
        source="spot_check",
        problem="路灯接地不良",
        responsible_organisation_id=contractor.pk,
        deadline=timezone.localdate() + timedelta(days=10),
        standard="重做接地",
    )
    inspections.item_start(actor=contractor_user, item_id=o["item_submitted"].pk)
    inspections.item_submit(
        actor=contractor_user, item_id=o["item_submitted"].pk, evidence="已重做接地"
    )
    # A serious item (from a report) submitted for the assessor; a staged item with one stage.
    o["item_serious"] = inspections.item_open(
        actor=d.dept,
        project_id=p.pk,
        source="complaint",
        problem="群众反映路灯不亮",
        responsible_organisation_id=contractor.pk,
        deadline=timezone.localdate() + timedelta(days=10),
        standard="全部点亮",
    )
    inspections.item_submit(
        actor=contractor_user, item_id=o["item_serious"].pk, evidence="已更换灯具"
    )
    o["item_staged"] = inspections.item_open(
        actor=d.dept,
        project_id=p.pk,
        source="spot_check",
        problem="灯杆锈蚀",
        responsible_organisation_id=contractor.pk,
        deadline=timezone.localdate() + timedelta(days=10),
        standard="除锈刷漆",
        mode="staged",
        stages=[("除锈", timezone.localdate() + timedelta(days=5))],
    )
    o["stage"] = o["item_staged"].stages.get()
    o["completed"] = c = _contracted(d, side, "公园步道铺装")
    projects.project_village_set(actor=s, project_id=c.pk, village_id=o["village_org"].pk)
    approvals.project_transition(actor=contractor_user, project_id=c.pk, name="declare_complete")
    o["shortlisted"] = _project(
        side,
        "文化礼堂修缮",
        "140000",
        (s, "submit"),
        (d.dept, "dept_approve"),
        (d.expert, "expert_approve"),
        (d.drc, "drc_file"),
    )
    approvals.lottery_shortlist(
        actor=d.dept, project_id=o["shortlisted"].pk, contractor_ids=[contractor.pk, d.builder_c.pk]
    )
    reveal_both(d, o["shortlisted"].pk)  # both parties in, so the draw is the dept's to make
    # A low-score review (复核) as the platform opens it (no service takes a user's hand here).
    review_item = inspections.item_open(
        actor=None,
        project_id=c.pk,
        source="low_rating",
        problem="群众评价偏低",
        responsible_organisation_id=street_user.organisation_id,
        deadline=timezone.localdate() + timedelta(days=10),
        standard="整改后复评",
    )
    o["review"] = Review.objects.create(
        project=c, mean_at_open=Decimal("62.00"), count_at_open=5, ledger_item=review_item
    )
    # A rating held by the screening, and a resident's report.
    o["held_rating"] = Rating.objects.create(
        project=c,
        score=30,
        status=RatingStatus.HELD,
        device=uuid.uuid4().hex,
        network="10.0.0.0/24",
        flags=["burst_network"],
    )
    o["report"] = ratings.report_record(
        project=p, text=f"{MARKS[name]}夜间施工扰民", contact="", address="10.0.0.9"
    )
    o["report_confirmed"] = ratings.report_record(
        project=p, text=f"{MARKS[name]}用料以次充好", contact="", address="10.0.0.9"
    )
    ratings.report_conclude(
        actor=d.discipline, report_id=o["report_confirmed"].pk, confirmed=True, note="查实"
    )
    # A flag on the side's project (a row of the anomaly lists, to open a lead from), and a lead
    # a discipline officer opened on it.
    Flag.objects.create(project=p, kind=FlagKind.LARGE_CHANGE, key=name, summary="累计变更超过10%")
    o["lead"] = Lead.objects.create(
        reference=f"XS-{name}",
        kind="other-flags",
        kind_title="其他预警标记",
        row_key=name,
        project=p,
        rule="—",
        why=f"{MARKS[name]}线索",
        opened_by=d.discipline,
        due_on=timezone.localdate(),
    )
    o["attachment"] = ProjectAttachment.objects.create(
        project=o["submitted"],
        file=ContentFile(b"%PDF-1.4 test", name="a.pdf"),
        original_name="申报书.pdf",
        size=13,
        sha256="0" * 64,
        uploaded_by=street_user,
    )
    for key in list(o):  # as stored now (protected FSM fields refuse refresh_from_db)
        o[key] = type(o[key]).objects.get(pk=o[key].pk)
    return side


def build_world() -> SimpleNamespace:
    ensure_default_tier_policy()
    ensure_default_start_policy()
    d = build_district()
    other_super = cast(
        Organisation, OrganisationFactory(name="诚信监理", kind=OrganisationKind.SUPERVISOR)
    )
    CompanyStaff.objects.get_or_create(
        organisation=other_super,
        position=StaffPosition.SITE_SUPERVISOR,
        defaults={"name": "诚信总监", "certificate_no": "闽999SIT"},
    )
    other_builder_user = UserFactory(
        username="contractor_b", organisation=d.builder_b, role=Role.CONTRACTOR
    )
    own = _side(d, "own", d.street_zhenhai, d.builder, d.contractor, d.super_org)
    other = _side(d, "other", d.street_gongchen, d.builder_b, other_builder_user, other_super)
    d.village_zhenhai = own.appointment.user  # the acting 村民监督员 (own side's village)
    inspection_round = inspections.round_create(
        actor=d.discipline,
        name="2026年第一轮巡察",
        inspecting_body="区委第一巡察组",
        started_on=timezone.localdate(),
    )
    for side in (own, other):  # a 巡察 finding for each street, to carry over
        side.objects["round_item"] = inspections.round_feedback(
            actor=d.discipline,
            round_id=inspection_round.pk,
            problem="备案资料不全",
            responsible_organisation_id=cast(int, cast(User, side.street_user).organisation_id),
            deadline=timezone.localdate() + timedelta(days=30),
            standard="补齐",
        )
    # A random plan of last month drawing every project under way, with two inspectors to
    # assign among (this month's is left for the draw request).
    SpotCheckPolicy.objects.create(
        effective_from=date(2000, 1, 1), red_rate=1, yellow_rate=1, green_rate=1
    )
    UserFactory(username="inspector_b", organisation=d.dept.organisation, role=Role.DEPT_REVIEWER)
    plan = inspections.plan_create(
        actor=d.dept,
        month=timezone.localdate().replace(day=1) - timedelta(days=1),
        seed="world",
    )
    period = performance_score_quarter(quarter=QUARTER)
    # Last year's proposal of 示范项目, as the yearly job leaves it, for the decision request.
    proposal = DemonstrationProposal.objects.create(
        year=2025, rank=1, project=own.completed, score=Decimal("95"), figures={}
    )
    # An API token for every user (its public id): a user may revoke their own only. The token
    # rows' "own" object is the acting user's token (the test sets `acting`; the street officer
    # of the own side otherwise), their "other" object the other street officer's.
    users = {v for k, v in vars(d).items() if hasattr(v, "has_usable_password")}
    tokens = {u.pk: token_issue(user=u, address="127.0.0.1").id for u in users}
    return SimpleNamespace(
        d=d,
        own=own,
        other=other,
        round=inspection_round,
        plan=plan,
        demonstration_year=proposal.year,
        demonstration_project=proposal.project_id,
        period=period,
        key=lambda: str(uuid.uuid4()),
        tokens=tokens,
        acting=d.street_zhenhai,
    )
