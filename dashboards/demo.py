"""The demo district of 荔城区: organisations, accounts and projects, built idempotently."""

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from PIL import Image, ImageDraw
from stdnum.cn import uscc

from accounts.choices import OrganisationKind, Role, StaffPosition
from accounts.models import CompanyStaff, Organisation, Region, User
from approvals import services as approval_services
from core.errors import ConflictError
from core.jobs import nightly_jobs_run
from inspections.services import patrol_log_record, progress_report, spot_check_record
from performance.demo import seed_performance
from projects.choices import Category, ProjectClass, ProjectStatus
from projects.models import Project
from projects.services import (
    payment_approve,
    payment_mark_paid,
    payment_request,
    project_create,
    tracker_set,
    village_decision_record,
)
from projects.tiers import policy_in_force, tier_for_amount
from ratings.services import RatingInput, rating_record, ratings_screen

from .events import projects_generated_event

# name, username, (latitude, longitude) of the street office
STREETS = [
    ("镇海街道", "street_zhenhai", (Decimal("25.437200"), Decimal("119.010500"))),
    ("拱辰街道", "street_gongchen", (Decimal("25.445800"), Decimal("118.995300"))),
    ("西天尾镇", "street_xitianwei", (Decimal("25.485100"), Decimal("118.985600"))),
    ("黄石镇", "street_huangshi", (Decimal("25.420400"), Decimal("119.080200"))),
    ("新度镇", "street_xindu", (Decimal("25.400700"), Decimal("119.050900"))),
    ("北高镇", "street_beigao", (Decimal("25.360300"), Decimal("119.150100"))),
]
DEPARTMENTS = ["区住建局", "区发改局", "区财政局", "区纪委监委", "区数据管理局"]
COMPANIES = [
    ("莆田市荔城区宏达建设工程有限公司", OrganisationKind.CONTRACTOR),
    ("福建兴莆市政工程有限公司", OrganisationKind.CONTRACTOR),
    ("莆田壶兰园林绿化工程有限公司", OrganisationKind.CONTRACTOR),
    ("莆田市正诚工程监理有限公司", OrganisationKind.SUPERVISOR),
    ("福建木兰建设监理咨询有限公司", OrganisationKind.SUPERVISOR),
    ("莆田市建设工程质量检测中心有限公司", OrganisationKind.LAB),
    ("莆田市城乡规划设计研究院有限公司", OrganisationKind.DESIGN),
]


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    role: str
    organisation: str
    staff: bool = False


ACCOUNTS = [
    *[Account(u, f"{s[:2]}经办人", Role.STREET_STAFF, s) for s, u, _ in STREETS],
    Account("dept_zjj", "住建审核员", Role.DEPT_REVIEWER, "区住建局"),
    Account("dept_expert", "住建专家论证组织人", Role.DEPT_REVIEWER, "区住建局"),
    Account("drc", "发改经办人", Role.DRC_OFFICER, "区发改局"),
    Account("finance", "财政经办人", Role.FINANCE_OFFICER, "区财政局"),
    Account("contractor_a", "宏达项目经理", Role.CONTRACTOR, COMPANIES[0][0]),
    Account("contractor_b", "兴莆项目经理", Role.CONTRACTOR, COMPANIES[1][0]),
    Account("contractor_c", "壶兰项目经理", Role.CONTRACTOR, COMPANIES[2][0]),
    Account("supervisor_a", "正诚总监", Role.SUPERVISOR, COMPANIES[3][0]),
    Account("supervisor_b", "木兰监理员", Role.SUPERVISOR, COMPANIES[4][0]),
    Account("lab_a", "检测员", Role.LAB, COMPANIES[5][0]),
    Account("discipline", "纪检监察员", Role.DISCIPLINE_OFFICER, "区纪委监委"),
    Account("admin", "平台管理员", Role.ADMIN, "区数据管理局", staff=True),
]

# The class of each of a street's five demo projects, in the order they are made.
DEMO_CLASSES = [ProjectClass.C, ProjectClass.B, ProjectClass.B, ProjectClass.A, ProjectClass.C]
PLACES = [
    "文献路",
    "梅园路",
    "荔园路",
    "延寿社区",
    "下郑社区",
    "东园小区",
    "拱辰小学",
    "西天尾中学",
    "黄石菜市场",
    "新度镇区",
    "北高渔港",
    "镇海公园",
    "凤山寺前",
    "南门兜",
]
WORKS = {
    Category.ROAD: ["背街小巷路面修复", "人行道破损修补", "道路坑槽修补"],
    Category.DRAINAGE: ["雨污分流改造", "排水沟清淤修复", "积水点改造"],
    Category.GREENING: ["绿化补植", "口袋公园提升", "行道树补种"],
    Category.BUILDING_REPAIR: ["老旧小区屋面防水修缮", "危房加固", "楼道修缮"],
    Category.OTHER: ["操场塑胶跑道翻新", "路灯更换", "公厕改造"],
}


def credit_code(n: int) -> str:
    base = f"91350304MA{n:07d}"
    return base + uscc.calc_check_digit(base)


# 荔城区's 行政区划代码: the demo is one district of the province (docs/province.md).
HOME_DISTRICT_CODE = "350304"


def home_district() -> Region | None:
    """荔城区, made by the regions' migration (docs/province.md)."""
    return Region.objects.filter(code=HOME_DISTRICT_CODE).first()


def ensure_organisations() -> dict[str, Organisation]:
    orgs = {}
    home = home_district()
    for name, _username, _where in STREETS:
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": OrganisationKind.STREET, "region": home}
        )
    for name in DEPARTMENTS:
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": OrganisationKind.DEPARTMENT, "region": home}
        )
    for n, (name, kind) in enumerate(COMPANIES, start=1):
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "credit_code": credit_code(n),
                "qualification": "市政公用工程施工总承包三级"
                if kind == OrganisationKind.CONTRACTOR
                else "",
                "bank_name": "中国建设银行莆田分行",
                "bank_account": f"3505016{n:013d}",
                "region": home,
            },
        )
        ensure_staff(orgs[name])
    return orgs


SURNAMES = "林陈黄郑吴李王张"
GIVEN = ["志强", "秀英", "建华", "丽娟", "国平", "海燕", "文斌", "美玲", "永福", "金花"]


def ensure_staff(company: Organisation) -> None:
    """A company register (名录库): the people a contract must name, with certificates."""
    if company.kind == OrganisationKind.CONTRACTOR:
        positions = [
            StaffPosition.PROJECT_MANAGER,
            StaffPosition.SAFETY_OFFICER,
            StaffPosition.QUALITY_INSPECTOR,
        ]
    elif company.kind == OrganisationKind.SUPERVISOR:
        positions = [StaffPosition.SITE_SUPERVISOR, StaffPosition.SITE_SUPERVISOR]
    else:
        return
    for i, position in enumerate(positions):
        name = SURNAMES[(company.pk + i) % len(SURNAMES)] + GIVEN[(company.pk * 3 + i) % 10]
        CompanyStaff.objects.get_or_create(
            organisation=company,
            position=position,
            name=name,
            defaults={
                "certificate_no": f"闽{position[:2].upper()}{company.pk:03d}{i:04d}",
                "phone": f"1385940{company.pk:02d}{i:02d}",
            },
        )


def ensure_accounts(orgs: dict[str, Organisation], password: str) -> dict[str, User]:
    users = {}
    for account in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "last_name": account.name,
                "role": account.role,
                "organisation": orgs[account.organisation],
                "is_staff": account.staff,
                "is_superuser": account.staff,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        users[account.username] = user
    return users


def ensure_demo_projects(users: dict[str, User], rng: random.Random) -> int:
    """A few projects per street at different stages, walked through the real services (so the
    audit trail, flags and procurement records are what the platform itself writes)."""
    created = 0
    for n, (street, username, (lat, lng)) in enumerate(STREETS):
        user = users[username]
        if Project.objects.filter(street=user.organisation).exists():
            continue
        for i, amount in enumerate(["38000.00", "46500.00", "120000.00", "680000.00", "25000.00"]):
            category = list(Category)[(i + len(street)) % len(Category)]
            place = PLACES[(n * 5 + i) % len(PLACES)]
            start = timezone.localdate() + timedelta(days=rng.randint(-60, 30))
            project = project_create(
                actor=user,
                data={
                    "name": f"{street[:2]}{place}{WORKS[category][i % 3]}",
                    "address": f"荔城区{street}{place}",
                    # Spread about a kilometre apart: these are not one work split in pieces.
                    "latitude": lat + Decimal(i * 9000 - 18000) / 1000000,
                    "longitude": lng + Decimal(rng.randint(-1500, 1500)) / 1000000,
                    "category": category,
                    # each class once or more (docs/rules.md §2): the C ones are filed on their
                    # village's decision, the B draft waits for its consultation
                    "project_class": DEMO_CLASSES[i],
                    "budget_amount": Decimal(amount),
                    "planned_start": start,
                    "planned_end": start + timedelta(days=rng.randint(20, 120)),
                    "description": "按照《荔城区零星工程管理办法》申报。",
                },
            )
            created += 1
            if i == 0:
                _simple_under_way(project, user, users, n)
            elif i == 2:
                _general_along_route(project, user, users, stage=n % 4)
            elif i == 3:
                _major_to_fiscal_review(project, user, users)
            elif i == 4:
                _finished_for_rating(project, user, users, n, rng)
        if n == 0:
            created += _possible_split(user, lat, lng)
    return created


def _possible_split(user, lat, lng) -> int:
    """Two 30,000 元 pieces of one pavement 200 m apart: the second is flagged (化整为零)."""
    pieces = []
    for k, part in enumerate(("北段", "南段")):
        pieces.append(
            project_create(
                actor=user,
                data={
                    "name": f"文献路{part}人行道修补",
                    "address": f"荔城区镇海街道文献路{part}",
                    "latitude": lat - Decimal("0.010000") + Decimal(k * 1800) / 1000000,
                    "longitude": lng + Decimal("0.010000"),
                    "category": Category.ROAD,
                    "budget_amount": Decimal("30000.00"),
                    "planned_start": timezone.localdate() + timedelta(days=7),
                    "planned_end": timezone.localdate() + timedelta(days=37),
                    "description": "人行道面砖破损修补",
                },
            )
        )
        if k == 0:
            _fire(pieces[0], user, "file")
    try:
        _fire(pieces[1], user, "file")
    except ConflictError:
        _fire(pieces[1], user, "submit", comment="平台提示疑似化整为零，报主管部门审核")
    return len(pieces)


def _fire(project, actor, name, **kw):
    return approval_services.project_transition(actor=actor, project_id=project.pk, name=name, **kw)


def _contract(project, street_user, contractor, n):
    supervisor = Organisation.objects.get(name=COMPANIES[3 + n % 2][0])
    staff = {s.position: s.pk for s in contractor.staff.all()}
    site = supervisor.staff.filter(position=StaffPosition.SITE_SUPERVISOR).first()
    amount = project.budget_amount * Decimal("0.97")
    approval_services.contract_file(
        actor=street_user,
        project_id=project.pk,
        data={
            "amount": f"{amount:.2f}",
            "start_date": timezone.localdate() - timedelta(days=20),
            "end_date": timezone.localdate() + timedelta(days=60),
            "retention_rate": Decimal("0.03"),
            "supervision_unit": supervisor.pk,
            "site_supervisor": site.pk,
            "project_manager": staff[StaffPosition.PROJECT_MANAGER],
            "safety_officer": staff[StaffPosition.SAFETY_OFFICER],
            "quality_inspector": staff[StaffPosition.QUALITY_INSPECTOR],
        },
    )


def _site_photo(seed: int) -> SimpleUploadedFile:
    """A made-up site photo (sky, road, a few blocks), different for every seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (150, 190, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 260, 640, 480], fill=(110, 100, 90))
    for _ in range(12):
        x, y = rng.randint(0, 600), rng.randint(120, 440)
        draw.rectangle(
            [x, y, x + rng.randint(20, 160), y + rng.randint(10, 80)],
            fill=tuple(rng.randint(0, 255) for _ in range(3)),
        )
    out = BytesIO()
    image.save(out, format="JPEG", quality=85)
    return SimpleUploadedFile(f"现场{seed}.jpg", out.getvalue(), content_type="image/jpeg")


def _patrols(project, users, *, photo_seed: int):
    """Today's patrol log by the supervision unit's account, when it has one."""
    supervisor = next(
        (
            u
            for u in users.values()
            if u.role == Role.SUPERVISOR and u.organisation_id == project.supervision_unit_id
        ),
        None,
    )
    if supervisor is None:
        return
    patrol_log_record(
        actor=supervisor,
        project_id=project.pk,
        client_key=uuid.uuid4(),
        log_date=timezone.localdate(),
        weather="晴",
        work_done="按计划施工，围挡完好",
        head_count=6,
        safety_notes="安全帽佩戴齐全",
        quality_notes="",
        photos=[_site_photo(photo_seed)],
    )


COMMENTS = [
    "路面平整多了，出行方便",
    "施工期间围挡整齐，没有扬尘",
    "工期有点长，但质量不错",
    "排水改好了，下雨不再积水",
    "夜里施工有点吵",
    "感谢街道办实事",
]


def _finished_for_rating(project, user, users, n, rng):
    """Completed and open for residents' ratings: most streets have a few, one a run of low
    scores (its review opens), one a burst from one network (held for moderation)."""
    _simple_under_way(project, user, users, n)
    project.refresh_from_db()
    builder = next(
        u
        for u in users.values()
        if u.organisation_id == project.contractor_id and u.role == Role.CONTRACTOR
    )
    progress_report(actor=builder, project_id=project.pk, percent="100", text="已按图纸完工")
    _fire(project, builder, "declare_complete")
    project.refresh_from_db()
    if n == 5:
        return  # open for rating, none yet
    low, burst = n == 1, n == 2
    count = 6 if low else rng.randint(3, 8)
    for k in range(count):
        score = rng.randint(45, 70) if low else rng.randint(78, 100)
        rating_record(
            project=project,
            device=uuid.uuid4().hex,
            address=f"120.{40 + n}.{k}.{rng.randint(2, 250)}",
            data=RatingInput(
                score=score, comment=COMMENTS[(n + k) % len(COMMENTS)] if k % 2 else ""
            ),
        )
    if burst:
        for k in range(6):
            rating_record(
                project=project,
                device=uuid.uuid4().hex,
                address=f"36.250.17.{k + 9}",
                data=RatingInput(score=100),
            )
    ratings_screen(project.pk)  # as the worker would, a second after


def _money_moving(project, users, *, progress, pay):
    """The contractor reports progress and asks for a payment; finance pays some of them."""
    project.refresh_from_db()
    builder = next(
        (
            u
            for u in users.values()
            if u.organisation_id == project.contractor_id and u.role == Role.CONTRACTOR
        ),
        None,
    )
    if builder is None:
        return
    progress_report(
        actor=builder, project_id=project.pk, percent=progress, text="按计划推进，现场照片已上传"
    )
    amount = (project.contract.amount * Decimal(progress) / 100 * Decimal("0.8")).quantize(
        Decimal("0.01")
    )
    payment = payment_request(actor=builder, project_id=project.pk, stage="progress", amount=amount)
    if pay:
        payment_approve(actor=users["finance"], payment_id=payment.pk)
        payment_mark_paid(
            actor=users["finance"],
            payment_id=payment.pk,
            paid_on=timezone.localdate() - timedelta(days=3),
            voucher_no=f"记-{timezone.localdate():%Y}-{payment.pk:04d}",
        )


# A one-page PDF that stands for a scanned permit, plan or record in the demo.
DEMO_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _lottery_parties(project, users):
    """The 住建局 and 纪检 officers commit and reveal their secrets (approvals/lottery.py)."""
    import hashlib
    import secrets

    parties = [
        (users["dept_zjj"], secrets.token_hex(16)),
        (users["discipline"], secrets.token_hex(16)),
    ]
    for user, secret in parties:
        approval_services.lottery_commit(
            actor=user,
            project_id=project.pk,
            commitment=hashlib.sha256(secret.encode()).hexdigest(),
        )
    for user, secret in parties:
        approval_services.lottery_reveal(actor=user, project_id=project.pk, secret=secret)


def _ready_to_start(project, user):
    """The 开工条件 on file (docs/rules.md §3): a one-page scan for each item asked."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.services import start_document_record

    for item in project.start_missing():
        start_document_record(
            actor=user,
            project_id=project.pk,
            item=item,
            upload=SimpleUploadedFile(f"{item}.pdf", DEMO_PDF, "application/pdf"),
            reference=f"{project.code}-{item}",
        )


def _village_decided(project, user, n):
    """A C类 project's 四议两公开, recorded by the street office before it files the works."""
    today = timezone.localdate()
    days = {
        "proposed_on": 40,
        "discussed_on": 36,
        "party_meeting_on": 30,
        "resolved_on": 25,
        "decision_published_on": 22,
    }
    village_decision_record(
        actor=user,
        project_id=project.pk,
        data={
            "village": f"{project.street.name[:2]}城南社区",
            "proposal": project.name,
            **{name: (today - timedelta(days=d)).isoformat() for name, d in days.items()},
            "party_attended": 28 + n,
            "party_total": 41 + n,
            "reps_attended": 26,
            "reps_total": 33,
            "votes_for": 24,
        },
        decision_photo=_site_photo(900 + project.pk),
    )


def _simple_under_way(project, user, users, n):
    if project.project_class == ProjectClass.C:
        _village_decided(project, user, n)
    _fire(project, user, "file", comment="街道备案")
    contractor = Organisation.objects.get(name=COMPANIES[n % 3][0])
    approval_services.direct_award(
        actor=user,
        project_id=project.pk,
        contractor_id=contractor.pk,
        reason="名录库内就近委托，应急修复",
    )
    _contract(project, user, contractor, n)
    _ready_to_start(project, user)
    _fire(project, user, "start_work")
    _money_moving(project, users, progress="60", pay=n % 2 == 0)
    # Two projects share a photo, so the duplicate flag has something to show.
    _patrols(project, users, photo_seed=min(n, 1))


def _general_along_route(project, user, users, stage):
    _fire(project, user, "submit")
    if stage == 0:
        return
    _fire(project, users["dept_zjj"], "dept_approve", comment="材料齐全")
    if stage == 1:
        return
    _fire(project, users["dept_expert"], "expert_approve", comment="图纸和预算经专家论证")
    _fire(project, users["drc"], "drc_file", comment="同意备案")
    if stage == 2:
        return
    contractors = [Organisation.objects.get(name=c[0]) for c in COMPANIES[:2]]
    approval_services.lottery_shortlist(
        actor=users["dept_zjj"], project_id=project.pk, contractor_ids=[c.pk for c in contractors]
    )
    _lottery_parties(project, users)
    winner = approval_services.lottery_draw(actor=users["dept_zjj"], project_id=project.pk).winner
    _contract(project, user, winner, 0)
    _ready_to_start(project, user)
    if project.project_class == ProjectClass.B:  # a B类 project opens with its named tracker
        tracker_set(actor=user, project_id=project.pk, tracker_id=user.pk)
    _fire(project, user, "start_work")
    _money_moving(project, users, progress="35", pay=True)
    _patrols(project, users, photo_seed=100 + project.pk)
    spot_check_record(
        actor=users["dept_expert"],
        project_id=project.pk,
        items=[("沥青面层压实度", True, ""), ("检查井周边沉降", False, "井周5毫米错台")],
    )


def _major_to_fiscal_review(project, user, users):
    _fire(project, user, "submit")
    _fire(project, users["dept_zjj"], "dept_approve")
    _fire(project, users["dept_expert"], "expert_approve", params={"reviewed_budget": "675000"})


def bulk_projects(count: int, users: dict[str, User], rng: random.Random) -> int:
    """Generated projects for benchmarks: bulk inserts, one audit event for the whole batch."""
    policy = policy_in_force(timezone.localdate())
    streets = [(users[u].organisation_id, users[u].pk, where) for _s, u, where in STREETS]
    statuses = [ProjectStatus.DRAFT, ProjectStatus.SUBMITTED, ProjectStatus.APPROVED]
    batch = []
    for n in range(count):
        street_id, user_id, (lat, lng) = rng.choice(streets)
        category = rng.choice(list(Category))
        amount = Decimal(round(10 ** rng.uniform(3.7, 6.3), 2)).quantize(Decimal("0.01"))
        start = timezone.localdate() - timedelta(days=rng.randint(0, 700))
        batch.append(
            Project(
                name=f"{rng.choice(PLACES)}{rng.choice(WORKS[category])}（批量{n + 1}）",
                street_id=street_id,
                created_by_id=user_id,
                address=f"荔城区{rng.choice(PLACES)}",
                latitude=lat + Decimal(rng.randint(-9000, 9000)) / 1000000,
                longitude=lng + Decimal(rng.randint(-9000, 9000)) / 1000000,
                category=category,
                budget_amount=amount,
                tier=tier_for_amount(amount, policy),
                tier_policy=policy,
                planned_start=start,
                planned_end=start + timedelta(days=60),
                status=rng.choice(statuses),
            )
        )
    with transaction.atomic():
        Project.objects.bulk_create(batch, batch_size=2000)
        Project.objects.filter(code__isnull=True).update(
            code=Concat(Value("LC-G-"), LPad(Cast(F("id"), CharField()), 7, Value("0")))
        )
        projects_generated_event(count=count)
    return count


def ensure_villages(users: dict[str, User], password: str) -> int:
    """A few villages under each street with their 村民监督员 (docs/village-supervision.md),
    appointed through the service and given the demo password: the villages its C类 decisions
    named and one more (东村), two supervisors in the first, one in each other; the street's
    projects not yet accepted and outside a decided village lie in 东村. Returns how many
    supervisors were appointed (none on a second run)."""
    from accounts.services import village_create, village_supervisor_appoint
    from projects.services import project_village_set
    from projects.services.classes import VILLAGE_FIXED

    appointed = 0
    for n, (street, username, _where) in enumerate(STREETS):
        user = users[username]
        east = village_create(actor=user, name=f"{street[:2]}东村")
        villages = [
            *Organisation.objects.filter(kind=OrganisationKind.VILLAGE, parent=user.organisation)
            .exclude(pk=east.pk)
            .order_by("name"),
            east,
        ]
        for v, village in enumerate(villages):
            if village.supervisor_appointments.exists():
                continue
            for k in range(2 if v == 0 else 1):
                login = f"village_{username.removeprefix('street_')}_{v + 1}{'ab'[k]}"
                done = village_supervisor_appoint(
                    actor=user,
                    village_id=village.pk,
                    full_name=f"{village.name[-3:]}{['林老师', '陈书记'][k]}",
                    phone=f"138{n:02d}{v:02d}{k:01d}000",
                    username=login,
                )
                done.appointment.user.set_password(password)
                done.appointment.user.save(update_fields=["password"])
                appointed += 1
        for project in Project.objects.filter(street=user.organisation, village__isnull=True):
            if project.status not in VILLAGE_FIXED and project.status != ProjectStatus.DRAFT:
                project_village_set(actor=user, project_id=project.pk, village_id=east.pk)
    return appointed


def seed(*, projects: int = 0, seed_value: int = 2025) -> dict[str, int]:
    rng = random.Random(seed_value)
    with transaction.atomic():
        orgs = ensure_organisations()
        users = ensure_accounts(orgs, settings.DEMO_PASSWORD)
    demo = ensure_demo_projects(users, rng)
    seed_performance(users, rng)  # two quarters of checks, ratings and payments; the scores
    generated = bulk_projects(projects, users, rng) if projects else 0
    # Last: a village with a 村民监督员 needs their signature at acceptance, which the demo's
    # earlier acceptances were made without.
    supervisors = ensure_villages(users, settings.DEMO_PASSWORD)
    # The demo's works under way began three weeks ago, as a district's would (their only patrol
    # log is today's); then the nightly jobs once, as the night would: the working days without
    # a log become violations, and credit, risk and warnings see them (core.jobs).
    Project.objects.filter(
        status=ProjectStatus.IN_PROGRESS, started_at__gte=timezone.now() - timedelta(hours=12)
    ).update(started_at=F("started_at") - timedelta(days=21))
    jobs = nightly_jobs_run()
    return {
        "organisations": len(orgs),
        "accounts": len(users),
        "demo_projects": demo,
        "generated_projects": generated,
        "village_supervisors": supervisors,
        "nightly_jobs_ok": sum(1 for run in jobs if run.ok),
    }
