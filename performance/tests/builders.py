"""Projects under way for a chosen contractor, built through the services; evidence for the
quarter (spot checks, lab tests, ratings, payments) with the clock moved into it."""

import itertools
from datetime import date, datetime
from decimal import Decimal

import time_machine

from accounts.choices import Role
from accounts.models import Organisation
from accounts.tests.factories import UserFactory
from approvals import services as approvals
from approvals.tests.helpers import contract_data
from core.dates import SHANGHAI
from inspections.services import lab_test_record, progress_report, spot_check_record
from projects.services import payment_approve, payment_mark_paid, payment_request
from projects.tests.factories import apart, make_project, ready_to_start
from ratings.choices import RatingStatus
from ratings.models import Rating

# Different enough in name and place that no two look like one work split up (化整为零).
WORKS = [
    "东园小区雨污分流改造",
    "拱辰小学塑胶跑道翻新",
    "北高渔港路灯更换",
    "凤山寺前公厕改造",
    "延寿社区楼道修缮",
    "黄石菜市场排水沟清淤",
    "梅园路行道树补种",
    "南门兜人行道修补",
    "新度镇区危房加固",
    "下郑社区口袋公园提升",
    "西天尾中学屋面防水",
    "镇海公园绿化补植",
]
_counter = itertools.count()
ACCOUNT = "35050161000000009999"


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


def contractor_user(company: Organisation):
    return UserFactory(username=f"staff_{company.pk}", organisation=company, role=Role.CONTRACTOR)


def under_way(d, company: Organisation, *, budget: str = "40000"):
    """A 简易类 project directly awarded to `company`, contracted and started."""
    n = next(_counter)
    street_user = d.street_zhenhai if n % 2 == 0 else d.street_gongchen
    project = make_project(
        street_user,
        name=WORKS[n % len(WORKS)] + f"（{n}）",
        address=f"荔城区{WORKS[n % len(WORKS)][:4]}",
        **apart(n),
        budget_amount=Decimal(budget),
    )
    approvals.project_transition(actor=street_user, project_id=project.pk, name="file")
    approvals.direct_award(
        actor=street_user,
        project_id=project.pk,
        contractor_id=company.pk,
        reason="名录库内就近委托",
    )
    approvals.contract_file(
        actor=street_user,
        project_id=project.pk,
        data=contract_data(d, amount=str(Decimal(budget) - 1000), company=company),
    )
    ready_to_start(project, street_user)
    approvals.project_transition(actor=street_user, project_id=project.pk, name="start_work")
    Organisation.objects.filter(pk=company.pk).update(bank_account=ACCOUNT)
    project.refresh_from_db()
    project.street_user = street_user
    return project


def checks(d, project, results: list[bool]):
    for ok in results:
        spot_check_record(
            actor=d.dept, project_id=project.pk, items=[("压实度", ok, "" if ok else "压实度不足")]
        )


def lab_test(d, project, pass_rate: str):
    approvals.project_transition(
        actor=contractor_user(project.contractor), project_id=project.pk, name="declare_complete"
    )
    lab_test_record(
        actor=d.lab, project_id=project.pk, pass_rate=pass_rate, report_no=f"JC-{project.pk}"
    )


_phones = itertools.count(1)


def ratings(project, scores: list[int], status=RatingStatus.COUNTED):
    """Residents' ratings as stored after moderation (the residents' flow is the lead's), each
    from its own network, as different residents' phones are."""
    for n, score in enumerate(scores):
        phone = next(_phones)
        Rating.objects.create(
            project=project,
            score=score,
            status=status,
            device=f"dev-{project.pk}-{status}-{n}",
            network=f"10.{phone // 256 % 256}.{phone % 256}.0/24",
        )


def paid(d, project, amount: str, paid_on: date, *, override: str = ""):
    user = contractor_user(project.contractor)
    if not project.reported_progress:
        progress_report(actor=user, project_id=project.pk, percent="80", text="主体完成")
        project.refresh_from_db()
    payment = payment_request(actor=user, project_id=project.pk, stage="progress", amount=amount)
    payment_approve(actor=d.finance, payment_id=payment.pk, override_reason=override)
    return payment_mark_paid(
        actor=d.finance, payment_id=payment.pk, paid_on=paid_on, voucher_no=f"记-{payment.pk}"
    )
