"""Quarterly scoring: a worked example computed by hand, the minimum sample, the bottom flag,
suspension after two bottom quarters and the appeal, and re-runs that change nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.choices import CreditStatus
from accounts.models import Organisation
from core.models import AuditEvent
from projects.funds import fund_compliance_rate
from ratings.choices import RatingStatus

from ..choices import ScoredKind, SuspensionStatus
from ..credit import credit_nightly, suspension_appeal, suspension_decide
from ..events import PerformanceEvents
from ..models import CompanyScore, PerformancePolicy, ScoringPeriod, Suspension
from ..scoring import performance_score_quarter, period_digest
from ..selectors import ranking
from .builders import at, checks, contractor_user, lab_test, paid, ratings, under_way

AUGUST = date(2026, 8, 10)


def worked_example(d):
    """Three contractors in 2026Q3 (default weights 40/40/20, sample 3 projects or 5 checks).

    宏达 (builder): 3 projects; spot checks 4 passed + 1 failed → quality 400/5 = 80.00;
      counted ratings 90, 80, 70 (a held 10 does not count) → 80.00; 2 compliant payments
      → 100.00; score (40×80 + 40×80 + 20×100) / 100 = 84.00.
    兴莆 (builder_b): 3 projects; spot checks 3 passed and a lab test of 95 → (300 + 95)/4 =
      98.75; ratings 100, 95 → 97.50; 2 payments, one paid by finance override → 50.00;
      score (40×98.75 + 40×97.5 + 20×50) / 100 = 88.50.
    壶兰 (builder_c): 1 project, 2 checks passed → 100.00; rating 60 → 60.00; no payment, so
      its weight drops out: (40×100 + 40×60) / 80 = 80.00; below the sample → not ranked.
    """
    with at(AUGUST):
        a = [under_way(d, d.builder) for _ in range(3)]
        b = [under_way(d, d.builder_b) for _ in range(3)]
        c = [under_way(d, d.builder_c)]
        checks(d, a[0], [True, True])
        checks(d, a[1], [True, False])
        checks(d, a[2], [True])
        checks(d, b[0], [True, True])
        checks(d, b[1], [True])
        checks(d, c[0], [True, True])
        lab_test(d, b[2], "95")
        ratings(a[0], [90, 80])
        ratings(a[1], [70])
        ratings(a[2], [10], status=RatingStatus.HELD)
        ratings(b[0], [100, 95])
        ratings(c[0], [60])
        paid(d, a[0], "5000", date(2026, 8, 20))
        paid(d, a[1], "5000", date(2026, 9, 1))
        paid(d, b[0], "5000", date(2026, 8, 20))
        Organisation.objects.filter(pk=d.builder_b.pk).update(
            credit_status=CreditStatus.BLACKLISTED
        )
        paid(d, b[1], "5000", date(2026, 9, 30), override="农民工工资专户")
        Organisation.objects.filter(pk=d.builder_b.pk).update(credit_status=CreditStatus.NORMAL)
        # Outside the quarter: counts nowhere in 2026Q3.
        paid(d, a[2], "5000", date(2026, 10, 1))
    return a, b, c


def _row(rows, company):
    return next(r for r in rows if r["company_id"] == company.pk)


def test_worked_example_with_hand_computed_figures(district):
    d = district
    worked_example(d)
    period = performance_score_quarter(quarter="2026Q3")
    rows = ranking(period, ScoredKind.CONTRACTOR)
    got = {
        r["company"]: (
            r["quality_rate"],
            r["satisfaction"],
            r["funds_rate"],
            r["score"],
            r["rank"],
            r["flags"]["bottom"],
        )
        for r in rows
    }
    assert got == {
        "宏达建设": (
            Decimal("80.00"),
            Decimal("80.00"),
            Decimal("100.00"),
            Decimal("84.00"),
            2,
            True,
        ),
        "兴莆市政": (
            Decimal("98.75"),
            Decimal("97.50"),
            Decimal("50.00"),
            Decimal("88.50"),
            1,
            False,
        ),
        "壶兰园林": (
            Decimal("100.00"),
            Decimal("60.00"),
            None,
            Decimal("80.00"),
            "not ranked",
            False,
        ),
    }
    # The funds figure agrees with the per-company funds selector.
    assert fund_compliance_rate(d.builder_b.pk, date(2026, 7, 1), date(2026, 10, 1)) == Decimal(
        "0.5000"
    )
    # The supervision unit and the two streets are scored on the same records.
    supervisor = CompanyScore.objects.get(period=period, organisation=d.super_org)
    assert (supervisor.kind, supervisor.projects, supervisor.spot_checks, supervisor.lab_tests) == (
        ScoredKind.SUPERVISOR,
        7,
        10,
        1,
    )
    assert supervisor.rank == 1 and not supervisor.bottom  # nobody is last among one
    streets = CompanyScore.objects.filter(period=period, kind=ScoredKind.STREET)
    assert sorted(s.organisation.name for s in streets) == ["拱辰街道", "镇海街道"]
    assert sum(s.projects for s in streets) == 7


def test_minimum_sample_is_not_ranked_never_best_nor_worst(district):
    d = district
    with at(AUGUST):
        best = under_way(d, d.builder_c)  # one project, 4 perfect checks: best figures
        checks(d, best, [True] * 4)
        ratings(best, [100])
        low = [under_way(d, d.builder) for _ in range(3)]
        checks(d, low[0], [False, True])
        high = under_way(d, d.builder_b)
        checks(d, high, [True] * 5)  # one project, but five checks: ranked
    period = performance_score_quarter(quarter="2026Q3")
    rows = ranking(period, ScoredKind.CONTRACTOR)
    assert _row(rows, d.builder_c)["rank"] == "not ranked"
    assert _row(rows, d.builder_c)["score"] == Decimal("100.00")
    assert not _row(rows, d.builder_c)["flags"]["bottom"]
    assert (_row(rows, d.builder_b)["rank"], _row(rows, d.builder)["rank"]) == (1, 2)
    assert _row(rows, d.builder)["flags"]["bottom"]
    # One more check for 壶兰 reaches five: now it is ranked, and first.
    with at(AUGUST):
        checks(d, best, [True])
    period = performance_score_quarter(quarter="2026Q3")
    assert _row(ranking(period, ScoredKind.CONTRACTOR), d.builder_c)["rank"] == 1


def test_weights_are_effective_dated(district):
    d = district
    worked_example(d)
    PerformancePolicy.objects.create(
        effective_from=date(2026, 7, 1), weight_quality=50, weight_satisfaction=50, weight_funds=0
    )
    PerformancePolicy.objects.create(
        effective_from=date(2026, 8, 1), weight_quality=0, weight_satisfaction=0, weight_funds=100
    )
    period = performance_score_quarter(quarter="2026Q3")
    # The policy in force when the quarter began applies, not one announced during it.
    assert period.weights["quality"] == 50
    assert _row(ranking(period), d.builder)["score"] == Decimal("80.00")
    assert _row(ranking(period), d.builder_b)["score"] == Decimal("98.13")  # 98.125 ↑


def test_rerun_gives_the_same_table_and_no_second_event(district):
    worked_example(district)
    first = performance_score_quarter(quarter="2026Q3")
    events = AuditEvent.objects.filter(verb=PerformanceEvents.SCORED).count()
    second = performance_score_quarter(quarter="2026Q3")
    assert second.digest == first.digest == period_digest(second.pk)
    assert AuditEvent.objects.filter(verb=PerformanceEvents.SCORED).count() == events == 1
    assert ScoringPeriod.objects.count() == 1


def two_bottom_quarters(d):
    """宏达 is last among three contractors in 2026Q2 and again in 2026Q3."""
    for day in (date(2026, 5, 12), AUGUST):
        with at(day):
            for company, ok in ((d.builder, False), (d.builder_b, True), (d.builder_c, True)):
                project = under_way(d, company)
                checks(d, project, [ok, True, True, True, True])
    performance_score_quarter(quarter="2026Q2")
    return performance_score_quarter(quarter="2026Q3")


def test_bottom_two_quarters_running_suspends_for_next_year_and_is_refused(district):
    d = district
    period = two_bottom_quarters(d)
    suspension = Suspension.objects.get()
    assert (
        suspension.organisation,
        suspension.period,
        suspension.starts_on,
        suspension.ends_on,
    ) == (d.builder, period, date(2027, 1, 1), date(2027, 12, 31))
    assert _row(ranking(period), d.builder)["flags"]["suspended"]
    assert AuditEvent.objects.filter(verb=PerformanceEvents.SUSPENDED).count() == 1
    # A re-run suspends nobody twice.
    performance_score_quarter(quarter="2026Q3")
    assert Suspension.objects.count() == 1
    assert AuditEvent.objects.filter(verb=PerformanceEvents.SUSPENDED).count() == 1
    # In force from 1 January: the nightly credit job sets the one field others read.
    credit_nightly(today=date(2026, 12, 31))
    d.builder.refresh_from_db()
    assert d.builder.credit_status == CreditStatus.NORMAL
    credit_nightly(today=date(2027, 1, 1))
    d.builder.refresh_from_db()
    assert d.builder.credit_status == CreditStatus.SUSPENDED
    assert (
        AuditEvent.objects.filter(
            verb=PerformanceEvents.CREDIT_STATUS_CHANGED, object_id=str(d.builder.pk)
        ).count()
        == 1
    )
    credit_nightly(today=date(2028, 1, 1))
    d.builder.refresh_from_db()
    assert d.builder.credit_status == CreditStatus.NORMAL


def test_a_quarter_still_running_is_scored_provisionally_and_suspends_nobody(district):
    d = district
    for day in (date(2026, 5, 12), AUGUST):
        with at(day):
            for company, ok in ((d.builder, False), (d.builder_b, True), (d.builder_c, True)):
                project = under_way(d, company)
                checks(d, project, [ok, True, True, True, True])
    with at(date(2026, 7, 2)):
        performance_score_quarter(quarter="2026Q2")
    # when 2026Q3 is scored in September, before it has ended
    with at(date(2026, 9, 20)):
        period = performance_score_quarter(quarter="2026Q3")
    # then it is ranked, marked provisional, and nobody is suspended
    assert period.final is False
    assert _row(ranking(period), d.builder)["rank"] == 3
    assert not Suspension.objects.exists()
    assert AuditEvent.objects.filter(verb=PerformanceEvents.SUSPENDED).count() == 0
    # once the quarter has ended, the same scoring is final and decides the suspension
    with at(date(2026, 10, 1)):
        period = performance_score_quarter(quarter="2026Q3")
    assert period.final is True
    assert Suspension.objects.get().organisation == d.builder
    event = AuditEvent.objects.filter(verb=PerformanceEvents.SCORED).latest("id")
    assert (event.before["final"], event.after["final"]) == (False, True)


def test_a_provisional_previous_quarter_counts_for_no_suspension(district):
    d = district
    for day in (date(2026, 5, 12), AUGUST):
        with at(day):
            for company, ok in ((d.builder, False), (d.builder_b, True), (d.builder_c, True)):
                project = under_way(d, company)
                checks(d, project, [ok, True, True, True, True])
    with at(date(2026, 6, 20)):  # Q2 only ever scored while it ran
        performance_score_quarter(quarter="2026Q2")
    with at(date(2026, 10, 1)):
        performance_score_quarter(quarter="2026Q3")
    assert not Suspension.objects.exists()


def test_appeal_decided_by_a_reviewer_lifts_the_suspension(district):
    d = district
    two_bottom_quarters(d)
    suspension = Suspension.objects.get()
    credit_nightly(today=date(2027, 1, 4))
    staff = contractor_user(d.builder)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # only the company's own staff appeal
        suspension_appeal(actor=contractor_user(d.builder_b), suspension_id=suspension.pk, text="x")
    suspension_appeal(actor=staff, suspension_id=suspension.pk, text="抽检不合格项已整改复查合格")
    with pytest.raises(PermissionDenied):  # the company does not decide its own appeal
        suspension_decide(actor=staff, suspension_id=suspension.pk, uphold=False, note="x")
    with pytest.raises(PermissionDenied):
        suspension_decide(actor=d.discipline, suspension_id=suspension.pk, uphold=False, note="x")
    events = AuditEvent.objects.count()
    with at(date(2027, 1, 5)):
        suspension_decide(
            actor=d.dept, suspension_id=suspension.pk, uphold=False, note="复查合格，撤销暂停"
        )
    suspension.refresh_from_db()
    d.builder.refresh_from_db()
    assert suspension.status == SuspensionStatus.REVOKED
    assert d.builder.credit_status == CreditStatus.NORMAL
    # One event for the decision, with the standing it gave back.
    assert AuditEvent.objects.count() == events + 1
    decided = AuditEvent.objects.get(verb=PerformanceEvents.SUSPENSION_DECIDED)
    assert (decided.before["credit_status"], decided.after["credit_status"]) == (
        CreditStatus.SUSPENDED,
        CreditStatus.NORMAL,
    )


def test_command_prints_the_ranking(district, capsys):
    worked_example(district)
    call_command("score_quarter", "2026Q3")
    out = capsys.readouterr().out
    assert "2026Q3" in out and "兴莆市政" in out and "not ranked" in out
    lines = [line for line in out.splitlines() if "宏达建设" in line]
    assert lines and "84.00" in lines[0] and "bottom" in lines[0]
