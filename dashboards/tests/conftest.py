"""A district with one of each anomaly, built through the services where the services allow
the state at all (a few anomalies are states the services refuse: those rows are changed
directly, as someone working outside the platform would, which is what the lists are for)."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals import services as approvals
from approvals.models import Tender, TenderBid
from approvals.tests.helpers import contract_data
from core.dates import is_working_day
from core.errors import ConflictError
from inspections.services import patrol_log_record, progress_report, record_missing_patrol_logs
from inspections.tests.images import encode, scene
from projects.choices import PaymentStage
from projects.models import Payment, Project
from projects.services import (
    payment_approve,
    payment_mark_paid,
    payment_request,
    settlement_record,
)
from projects.tests.factories import apart, make_project
from ratings.choices import RatingFlag, RatingStatus
from ratings.models import Rating
from tests.funds_helpers import ACCOUNT, accepted, under_way


def photo(seed: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        f"现场{seed}.jpg", encode(scene(seed, size=(320, 240))), content_type="image/jpeg"
    )


def patrol(district, project, seed: int, day: date | None = None):
    return patrol_log_record(
        actor=district.supervisor,
        project_id=project.pk,
        client_key=uuid.uuid4(),
        log_date=day or timezone.localdate(),
        weather="晴",
        work_done="路面铺设",
        head_count=5,
        photos=[photo(seed)],
    )


def pay(district, contractor, project, amount, stage=PaymentStage.PROGRESS):
    payment = payment_request(
        actor=contractor,
        project_id=project.pk,
        stage=stage,
        amount=Decimal(amount),
        payee_account=ACCOUNT,
    )
    payment_approve(actor=district.finance, payment_id=payment.pk)
    payment_mark_paid(
        actor=district.finance,
        payment_id=payment.pk,
        paid_on=timezone.localdate(),
        voucher_no=f"记-{payment.pk}",
    )
    return payment


SIMPLE_NAMES = [
    "东门公厕改造",
    "沿河路灯更换",
    "中心小学操场翻新",
    "农贸市场排水沟修复",
    "老年活动中心屋面防水",
]


def simple_contracted(district, n: int, company, street_user):
    """A 简易类 project filed by the street and awarded directly, far from the others."""
    project = make_project(
        street_user,
        name=SIMPLE_NAMES[n],
        budget_amount=Decimal("45000.00"),
        **apart(n),
        transitions=("file",),
    )
    approvals.direct_award(
        actor=street_user,
        project_id=project.pk,
        contractor_id=company.pk,
        reason="名录库内就近委托",
    )
    approvals.contract_file(
        actor=street_user,
        project_id=project.pk,
        data=contract_data(district, amount="44000", company=company),
    )
    return project


def next_working_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def build_world(district) -> SimpleNamespace:
    street_a, street_b = district.street_zhenhai, district.street_gongchen
    # Payments over progress: 30,000 paid at 40%, then progress reported back down to 20%.
    over, contractor = under_way(district, progress="40")
    pay(district, contractor, over, "30000")
    progress_report(actor=contractor, project_id=over.pk, percent="20", text="返工，进度回调")

    # A settlement well above its budget (120,000 filed; settled at 140,000).
    settled, settled_contractor = under_way(district, progress="100")
    accepted(district, settled, settled_contractor)
    settlement_record(
        actor=district.finance,
        project_id=settled.pk,
        amount="140000",
        review_record="审计核增工程量",
    )

    # The same photo on two projects: the second is a duplicate.
    patrol(district, over, seed=7)
    other, _c = under_way(district, progress="10")
    patrol(district, other, seed=7)

    # Patrol-log gaps: a working day after work started with no log.
    gap_day = next_working_day(timezone.localdate())
    record_missing_patrol_logs(gap_day)

    # 化整为零: two 30,000 pieces of one pavement 200 m apart in the same street.
    first = make_project(
        street_a,
        name="文献路北段人行道修补",
        budget_amount=Decimal("30000.00"),
        latitude=Decimal("25.440000"),
        longitude=Decimal("119.030000"),
        transitions=("file",),
    )
    second = make_project(
        street_a,
        name="文献路南段人行道修补",
        budget_amount=Decimal("30000.00"),
        latitude=Decimal("25.441800"),
        longitude=Decimal("119.030000"),
    )
    with pytest.raises(ConflictError):
        approvals.project_transition(actor=street_a, project_id=second.pk, name="file")

    # One contractor winning most of a street's work: four of the street's five contracts.
    share = [simple_contracted(district, n, district.builder_c, street_b) for n in range(4)]
    share.append(simple_contracted(district, 4, district.builder_b, street_b))

    # The same person requesting and approving (the services refuse it; rows changed outside).
    Project.objects.filter(pk=share[0].pk).update(dept_approved_by=share[0].created_by)
    early = Payment.objects.get(project=over)
    Payment.objects.filter(pk=early.pk).update(approved_by=early.requested_by)
    # A final payment before acceptance (also refused by the services).
    Payment.objects.filter(pk=early.pk).update(stage=PaymentStage.FINAL)

    # A rating campaign: four held ratings from one network on the settled project.
    for n in range(4):
        Rating.objects.create(
            project=settled,
            score=100,
            status=RatingStatus.HELD,
            flags=[RatingFlag.NETWORK_BURST],
            device=f"dev-{n}",
            network="203.0.113.0/24",
            comment="好",
        )
    Rating.objects.create(
        project=settled,
        score=90,
        status=RatingStatus.COUNTED,
        device="dev-ok",
        network="198.51.100.0/24",
    )

    # A tender record with three bids on a project already counted (the bid-rigging lists read
    # bids; a project of its own would change the other lists' counts).
    tender = Tender.objects.create(
        project=settled,
        notice_date=timezone.localdate(),
        winner=district.builder,
        reason="综合评分第一",
        recorded_by=district.dept,
    )
    for company, amount in (
        (district.builder, "560000"),
        (district.builder_b, "575000"),
        (district.builder_c, "590000"),
    ):
        TenderBid.objects.create(tender=tender, bidder=company, amount=Decimal(amount))

    return SimpleNamespace(
        over=over,
        settled=settled,
        other=other,
        split=(first, second),
        share=share,
        payment=early,
        gap_day=gap_day,
        contractor=contractor,
    )


@pytest.fixture
def world(district):
    return build_world(district)
