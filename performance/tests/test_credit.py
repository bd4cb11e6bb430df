"""Credit: deductions with evidence, warned and blacklisted by the patrol-log rule, confirmed
false reports, expiry, and a barred company refused at shortlist, contract and payment."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import CreditStatus
from approvals import services as approvals
from approvals.tests.helpers import approved_general, contract_data, reveal_both
from core.dates import is_working_day
from core.errors import ApplicationError
from core.models import AuditEvent
from inspections.models import PatrolViolation
from projects.services import payment_approve, payment_request

from ..choices import BlacklistRule, CreditRule
from ..credit import credit_nightly, credit_scores, false_report_confirm
from ..events import PerformanceEvents
from ..models import Blacklisting, CreditDeduction
from .builders import at, checks, contractor_user, under_way


def _violations(project, days):
    PatrolViolation.objects.bulk_create(
        PatrolViolation(project=project, supervision_unit_id=project.supervision_unit_id, day=day)
        for day in days
    )


def _working_days(start: date, n: int) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < n:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def test_patrol_violations_warn_at_three_and_blacklist_at_ten_for_six_months(district):
    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
    days = _working_days(date(2026, 8, 3), 10)
    _violations(project, days[:3])
    credit_nightly(today=date(2026, 8, 20))
    d.super_org.refresh_from_db()
    assert d.super_org.credit_status == CreditStatus.WARNED
    assert credit_scores(date(2026, 8, 20))[d.super_org.pk] == 97
    # A late log withdraws a violation: no longer three, no longer warned.
    PatrolViolation.objects.filter(day=days[0]).update(withdrawn_at=timezone.now())
    credit_nightly(today=date(2026, 8, 21))
    d.super_org.refresh_from_db()
    assert d.super_org.credit_status == CreditStatus.NORMAL
    assert credit_scores(date(2026, 8, 21))[d.super_org.pk] == 98
    PatrolViolation.objects.filter(day=days[0]).update(withdrawn_at=None)
    _violations(project, days[3:])
    credit_nightly(today=date(2026, 8, 24))
    credit_nightly(today=date(2026, 8, 24))  # a second run adds nothing
    entry = Blacklisting.objects.get()
    assert (entry.organisation, entry.rule, entry.starts_on, entry.ends_on) == (
        d.super_org,
        BlacklistRule.PATROL_MISSING,
        date(2026, 8, 24),
        date(2027, 2, 23),
    )
    assert str(days[9]) in entry.evidence
    d.super_org.refresh_from_db()
    assert d.super_org.credit_status == CreditStatus.BLACKLISTED
    assert AuditEvent.objects.filter(verb=PerformanceEvents.BLACKLISTED).count() == 1
    assert CreditDeduction.objects.filter(rule=CreditRule.PATROL_MISSING).count() == 10
    # Lifted the day after it ends, by the nightly job; still warned by the score? No: the
    # deductions weigh for a year, 90 ≥ 80, and the quarter's count has passed.
    credit_nightly(today=date(2027, 2, 24))
    entry.refresh_from_db()
    d.super_org.refresh_from_db()
    assert entry.lifted_at is not None
    assert d.super_org.credit_status == CreditStatus.NORMAL
    assert AuditEvent.objects.filter(verb=PerformanceEvents.BLACKLIST_LIFTED).count() == 1


def test_failed_checks_and_overdue_items_deduct_with_evidence(district):
    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
        checks(d, project, [False])  # opens a ledger item due in 15 days
    credit_nightly(today=date(2026, 8, 10))
    assert list(CreditDeduction.objects.values_list("rule", "points")) == [
        (CreditRule.FAILED_CHECK, 2)
    ]
    credit_nightly(today=date(2026, 8, 30))  # the item is now overdue
    assert sorted(CreditDeduction.objects.values_list("rule", flat=True)) == sorted(
        [CreditRule.FAILED_CHECK, CreditRule.OVERDUE_RECTIFICATION]
    )
    assert credit_scores(date(2026, 8, 30))[d.builder.pk] == 95
    assert AuditEvent.objects.filter(verb=PerformanceEvents.DEDUCTIONS_RECORDED).count() == 2


def test_false_report_blacklists_with_evidence_and_only_reviewers_record_it(district):
    d = district
    for who in (d.street_zhenhai, d.finance, contractor_user(d.builder)):
        with pytest.raises(PermissionDenied):
            false_report_confirm(
                actor=who, organisation_id=d.builder.pk, description="x", evidence="y"
            )
    with pytest.raises(ValidationError):
        false_report_confirm(
            actor=d.discipline, organisation_id=d.builder.pk, description="虚报工程量", evidence=""
        )
    false_report_confirm(
        actor=d.discipline,
        organisation_id=d.builder.pk,
        description="虚报已完工程量 30%",
        evidence="区纪委〔2026〕12号通报",
        confirmed_on=date(2026, 9, 1),
    )
    d.builder.refresh_from_db()
    assert d.builder.credit_status == CreditStatus.BLACKLISTED
    entry = Blacklisting.objects.get()
    assert (entry.rule, entry.ends_on, entry.evidence) == (
        BlacklistRule.FALSE_REPORT,
        date(2027, 8, 31),
        "区纪委〔2026〕12号通报",
    )
    # One event for the one decision: the blacklisting and the standing it changed.
    events = list(AuditEvent.objects.filter(verb__startswith="credit."))
    assert [e.verb for e in events] == [PerformanceEvents.BLACKLISTED]
    assert (events[0].before["credit_status"], events[0].after["credit_status"]) == (
        CreditStatus.NORMAL,
        CreditStatus.BLACKLISTED,
    )


@pytest.mark.parametrize("status", [CreditStatus.SUSPENDED, CreditStatus.BLACKLISTED])
def test_a_barred_contractor_is_refused_at_shortlist_and_payment(district, status):
    """Set through the credit service (a suspension in force / a false report)."""
    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
        user = contractor_user(d.builder)
        from inspections.services import progress_report

        progress_report(actor=user, project_id=project.pk, percent="50", text="过半")
        payment = payment_request(
            actor=user, project_id=project.pk, stage="progress", amount="5000"
        )
    _bar(d, d.builder, status)
    general = approved_general(d)
    with pytest.raises(ApplicationError) as refused:
        approvals.lottery_shortlist(
            actor=d.dept, project_id=general.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
        )
    assert refused.value.extra["credit_status"] == status
    with pytest.raises(ApplicationError) as refused:
        payment_approve(actor=d.finance, payment_id=payment.pk)
    assert refused.value.extra["rule"] == "payee_standing"


def _bar(d, company, status):
    from ..models import ScoringPeriod, Suspension

    if status == CreditStatus.BLACKLISTED:
        false_report_confirm(
            actor=d.dept, organisation_id=company.pk, description="虚报", evidence="通报"
        )
        return
    q2 = ScoringPeriod.objects.create(
        quarter="2026Q2", starts_on=date(2026, 4, 1), ends_on=date(2026, 7, 1)
    )
    q3 = ScoringPeriod.objects.create(
        quarter="2026Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 10, 1)
    )
    today = timezone.localdate()
    Suspension.objects.create(
        organisation=company,
        period=q3,
        previous_period=q2,
        starts_on=today,
        ends_on=today + timedelta(days=200),
    )
    credit_nightly(today=today)
    company.refresh_from_db()
    assert company.credit_status == CreditStatus.SUSPENDED


def test_a_suspended_company_is_refused_at_contract(district):
    """The contract service checks the supervision unit's standing; a suspended one is
    refused with the reason next to the field."""
    d = district
    project = approved_general(d)
    approvals.lottery_shortlist(
        actor=d.dept, project_id=project.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
    )
    reveal_both(d, project.pk)
    lottery = approvals.lottery_draw(actor=d.dept, project_id=project.pk)
    _bar(d, d.super_org, CreditStatus.SUSPENDED)
    with pytest.raises(ValidationError) as refused:
        approvals.contract_file(
            actor=d.street_zhenhai,
            project_id=project.pk,
            data=contract_data(d, company=lottery.winner),
        )
    assert "supervision_unit" in refused.value.message_dict


def test_a_contractor_suspended_after_award_is_refused_at_contract(district):
    d = district
    project = approved_general(d)
    approvals.lottery_shortlist(
        actor=d.dept, project_id=project.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
    )
    reveal_both(d, project.pk)
    lottery = approvals.lottery_draw(actor=d.dept, project_id=project.pk)
    _bar(d, lottery.winner, CreditStatus.SUSPENDED)
    with pytest.raises(ApplicationError):
        approvals.contract_file(
            actor=d.street_zhenhai,
            project_id=project.pk,
            data=contract_data(d, company=lottery.winner),
        )


def test_the_credit_api_gives_the_same_reasons_and_deductions_as_the_pages(client, district):
    # given a company with two standing deductions (a failed check, an overdue item)
    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
        checks(d, project, [False])
    credit_nightly(today=date(2026, 8, 30))
    client.force_login(d.discipline)
    with at(date(2026, 9, 1)):
        page = client.get(reverse("performance:credit_company", args=[d.builder.pk]))
        listed = client.get(reverse("api-performance-credit")).json()
        one = client.get(reverse("api-performance-credit-company", args=[d.builder.pk])).json()
    # then the page, the list API and the company API name the same two deductions and score
    assert page.content.decode().count('data-testid="deduction"') == 2
    row = next(r for r in listed if r["company_id"] == d.builder.pk)
    assert row["score"] == one["score"] == 95
    rules = sorted([CreditRule.FAILED_CHECK, CreditRule.OVERDUE_RECTIFICATION])
    assert sorted(x["rule"] for x in row["deductions"]) == rules
    assert sorted(x["rule"] for x in one["deductions"]) == rules
    assert {x["rule_label"] for x in one["deductions"]} == {str(CreditRule(r).label) for r in rules}
    assert row["reasons"] == one["reasons"]
    # another company's staff cannot read it
    client.force_login(contractor_user(d.builder_b))
    url = reverse("api-performance-credit-company", args=[d.builder.pk])
    assert client.get(url).status_code == 403
