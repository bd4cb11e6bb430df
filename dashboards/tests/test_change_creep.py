"""Change-order creep (issue #18 point 5): changes each under the 10% line that together pass it,
and a lowest winning bid lifted by early changes to the runner-up's price; with look-alikes that
must not be listed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import OrganisationKind
from accounts.tests.factories import OrganisationFactory
from approvals import services as approvals
from approvals.models import Tender, TenderBid
from approvals.tests.helpers import approved_general, contract_data, contracted_general, reveal_both
from dashboards.anomalies import KINDS
from projects.models import Project
from projects.tests.factories import apart

pytestmark = pytest.mark.django_db


def _changes(district, project, *deltas):
    for delta in deltas:
        change = approvals.change_request(
            actor=district.street_zhenhai,
            project_id=project.pk,
            amount_delta=delta,
            reason="现场地质条件变化",
        )
        approvals.change_decide(actor=district.drc, change_id=change.pk, approve=True)


def _rows():
    return KINDS["change-creep"].rows(Project.objects.all())


def test_small_changes_that_together_pass_the_line_are_listed_and_look_alikes_are_not(district):
    # planted: three changes of 4% each on a 100,000 contract (12% together)
    creep = contracted_general(district, contract_amount="100000")
    _changes(district, creep, "4000", "4000", "4000")
    # look-alikes: one honest large change (12% at once, already its own flag), and two small
    # changes that stay under the line together (8%)
    single = contracted_general(district, contract_amount="100000")
    _changes(district, single, "12000")
    small = contracted_general(district, contract_amount="100000")
    _changes(district, small, "4000", "4000")

    rows = _rows()
    assert [r.project.pk for r in rows] == [creep.pk]
    assert "3 次设计变更各自不超过合同额的10%" in rows[0].why and "12.0%" in rows[0].why
    assert rows[0].strength == Decimal("1.2")


NAMES = ["梅峰路排水改造", "凤山社区广场修缮", "荔园小区围墙翻新", "下郑村道路硬化"]


def _apart(district, n: int, contract: str):
    """A contracted 一般类 project far from the others and named unlike them (no split)."""
    project = approved_general(
        district,
        amount="120000",
        name=NAMES[n],
        **apart(n),
    )
    approvals.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    reveal_both(district, project.pk)
    lottery = approvals.lottery_draw(actor=district.dept, project_id=project.pk)
    approvals.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, amount=contract, company=lottery.winner),
    )
    project.refresh_from_db()
    return project


def _tendered(district, n, *, contract="100000", bids=("100000", "130000", "150000"), winner=0):
    project = _apart(district, n, contract)
    companies = [
        OrganisationFactory(kind=OrganisationKind.CONTRACTOR, name=f"投标人{project.pk}-{n}")
        for n in range(len(bids))
    ]
    sorted_bids = sorted(zip(bids, companies, strict=True), key=lambda b: Decimal(b[0]))
    tender = Tender.objects.create(
        project=project,
        notice_date=timezone.localdate(),
        winner=sorted_bids[winner][1],
        reason="综合评分第一",
        recorded_by=district.dept,
    )
    for amount, company in sorted_bids:
        TenderBid.objects.create(tender=tender, bidder=company, amount=Decimal(amount))
    return project


def test_a_low_bid_lifted_to_the_runner_up_by_early_changes_is_listed(district):
    # planted: won at 100,000 against 130,000, then +8,000 +8,000 +15,000 within weeks: 131,000
    lifted = _tendered(district, 0)
    _changes(district, lifted, "8000", "8000", "15000")
    # look-alikes: the same changes but the runner-up was far above (200,000)
    far = _tendered(district, 1, bids=("100000", "200000"))
    _changes(district, far, "8000", "8000", "15000")
    # a winner that was not the lowest bidder (no low-bid strategy to speak of)
    not_lowest = _tendered(district, 2, winner=1)
    _changes(district, not_lowest, "8000", "8000", "15000")
    # the same lift, but the changes came more than half a year after signing
    late = _tendered(district, 3)
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        _changes(district, late, "8000", "8000", "15000")

    low_bid = [r for r in _rows() if r.cells[2] == "低价中标、高价结算"]
    assert [r.project.pk for r in low_bid] == [lifted.pk]
    assert "不低于第二名" in low_bid[0].why and "130,000.00" in low_bid[0].why
    assert low_bid[0].strength == Decimal("131000") / Decimal("130000")


def test_the_period_bounds_the_list(district):
    creep = contracted_general(district, contract_amount="100000")
    _changes(district, creep, "4000", "4000", "4000")
    from dashboards.anomalies import Period

    kind = KINDS["change-creep"]
    assert kind.rows(Project.objects.all(), Period(until=date(2020, 1, 1))) == []
    assert len(kind.rows(Project.objects.all(), Period(since=timezone.localdate()))) == 1
