"""The demo district of 荔城区: organisations, accounts and projects, built idempotently."""
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat, LPad
from stdnum.cn import uscc

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation, User
from core.audit import record_event
from projects.choices import Category, ProjectStatus, Tier
from projects.models import Project
from projects.services import project_create, project_transition
from projects.tiers import policy_in_force, tier_for_amount

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
    Account("drc", "发改经办人", Role.DRC_OFFICER, "区发改局"),
    Account("finance", "财政经办人", Role.FINANCE_OFFICER, "区财政局"),
    Account("contractor_a", "宏达项目经理", Role.CONTRACTOR, COMPANIES[0][0]),
    Account("contractor_b", "兴莆项目经理", Role.CONTRACTOR, COMPANIES[1][0]),
    Account("supervisor_a", "正诚总监", Role.SUPERVISOR, COMPANIES[3][0]),
    Account("lab_a", "检测员", Role.LAB, COMPANIES[5][0]),
    Account("discipline", "纪检监察员", Role.DISCIPLINE_OFFICER, "区纪委监委"),
    Account("admin", "平台管理员", Role.ADMIN, "区数据管理局", staff=True),
]

PLACES = ["文献路", "梅园路", "荔园路", "延寿社区", "下郑社区", "东园小区", "拱辰小学", "西天尾中学",
          "黄石菜市场", "新度镇区", "北高渔港", "镇海公园", "凤山寺前", "南门兜"]
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


def ensure_organisations() -> dict[str, Organisation]:
    orgs = {}
    for name, _username, _where in STREETS:
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": OrganisationKind.STREET})
    for name in DEPARTMENTS:
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": OrganisationKind.DEPARTMENT})
    for n, (name, kind) in enumerate(COMPANIES, start=1):
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "credit_code": credit_code(n)})
    return orgs


def ensure_accounts(orgs: dict[str, Organisation], password: str) -> dict[str, User]:
    users = {}
    for account in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={"last_name": account.name, "role": account.role,
                      "organisation": orgs[account.organisation],
                      "is_staff": account.staff, "is_superuser": account.staff})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        users[account.username] = user
    return users


def ensure_demo_projects(users: dict[str, User], rng: random.Random) -> int:
    """A few projects per street, filed through the services so that the audit trail is real."""
    created = 0
    for street, username, (lat, lng) in STREETS:
        user = users[username]
        if Project.objects.filter(street=user.organisation).exists():
            continue
        for i, amount in enumerate(["38000.00", "46500.00", "120000.00", "680000.00", "25000.00"]):
            category = list(Category)[(i + len(street)) % len(Category)]
            place = rng.choice(PLACES)
            start = date.today() + timedelta(days=rng.randint(-60, 30))
            project = project_create(actor=user, data={
                "name": f"{street[:2]}{place}{rng.choice(WORKS[category])}",
                "address": f"荔城区{street}{place}",
                "latitude": lat + Decimal(rng.randint(-3000, 3000)) / 1000000,
                "longitude": lng + Decimal(rng.randint(-3000, 3000)) / 1000000,
                "category": category, "budget_amount": Decimal(amount),
                "planned_start": start, "planned_end": start + timedelta(days=rng.randint(20, 120)),
                "description": "按照《荔城区零星工程管理办法》申报。",
            })
            if project.tier == Tier.SIMPLE and i != 4:
                project_transition(actor=user, project_id=project.pk, name="file",
                                   comment="街道备案")
            elif project.tier != Tier.SIMPLE:
                project_transition(actor=user, project_id=project.pk, name="submit")
            created += 1
    return created


def bulk_projects(count: int, users: dict[str, User], rng: random.Random) -> int:
    """Generated projects for benchmarks: bulk inserts, one audit event for the whole batch."""
    policy = policy_in_force(date.today())
    streets = [(users[u].organisation_id, users[u].pk, where) for _s, u, where in STREETS]
    statuses = [ProjectStatus.DRAFT, ProjectStatus.SUBMITTED, ProjectStatus.APPROVED]
    batch = []
    for n in range(count):
        street_id, user_id, (lat, lng) = rng.choice(streets)
        category = rng.choice(list(Category))
        amount = Decimal(round(10 ** rng.uniform(3.7, 6.3), 2)).quantize(Decimal("0.01"))
        start = date.today() - timedelta(days=rng.randint(0, 700))
        batch.append(Project(
            name=f"{rng.choice(PLACES)}{rng.choice(WORKS[category])}（批量{n + 1}）",
            street_id=street_id, created_by_id=user_id, address=f"荔城区{rng.choice(PLACES)}",
            latitude=lat + Decimal(rng.randint(-9000, 9000)) / 1000000,
            longitude=lng + Decimal(rng.randint(-9000, 9000)) / 1000000,
            category=category, budget_amount=amount, tier=tier_for_amount(amount, policy),
            tier_policy=policy, planned_start=start, planned_end=start + timedelta(days=60),
            status=rng.choice(statuses)))
    with transaction.atomic():
        Project.objects.bulk_create(batch, batch_size=2000)
        Project.objects.filter(code__isnull=True).update(code=Concat(
            Value("LC-G-"), LPad(Cast(F("id"), CharField()), 7, Value("0"))))
        record_event(actor=None, verb="project.bulk_generated", object_type="projects.project",
                     object_id="bulk", after={"count": count}, comment="seed_demo --projects")
    return count


def seed(*, projects: int = 0, seed_value: int = 2025) -> dict[str, int]:
    rng = random.Random(seed_value)
    with transaction.atomic():
        orgs = ensure_organisations()
        users = ensure_accounts(orgs, settings.DEMO_PASSWORD)
    demo = ensure_demo_projects(users, rng)
    generated = bulk_projects(projects, users, rng) if projects else 0
    return {"organisations": len(orgs), "accounts": len(users), "demo_projects": demo,
            "generated_projects": generated}
