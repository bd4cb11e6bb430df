"""Credit of 设计单位 and of street offices as 建设单位: a project names its design unit at
filing; each deduction rule with the look-alike it must leave alone; the credit pages and the
API give the same reasons and deductions for both kinds of party."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from accounts.tests.factories import OrganisationFactory
from approvals import services as approvals
from core.dates import SHANGHAI
from inspections import services as inspections
from inspections.choices import ItemSource
from projects import services as projects
from projects.models import Project
from projects.services.funds import project_counting_budget
from projects.tests.factories import project_data
from tests.funds_helpers import accepted, under_way

from ..choices import CreditRule
from ..credit import credit_nightly
from ..models import CreditDeduction


@pytest.fixture
def design(db):
    return OrganisationFactory(name="莆田市城乡规划设计院", kind=OrganisationKind.DESIGN)


def _designed(d, design, **kwargs):
    project, contractor = under_way(d, **kwargs)
    # The filing named the design unit (see the filing test below); the works are under way.
    Project.objects.filter(pk=project.pk).update(design_unit=design)
    project.refresh_from_db()
    return project, contractor


def _rules(org) -> list[str]:
    return sorted(CreditDeduction.objects.filter(organisation=org).values_list("rule", flat=True))


def _today() -> date:
    return timezone.localdate()


def test_a_filing_names_a_design_unit_of_the_directory_only(district, design):
    d = district
    project = projects.project_create(
        actor=d.street_zhenhai, data={**project_data(), "design_unit": design}
    )
    assert project.design_unit == design
    with pytest.raises(ValidationError) as caught:
        projects.project_create(
            actor=d.street_zhenhai, data={**project_data(), "design_unit": d.builder.pk}
        )
    assert "design_unit" in caught.value.message_dict


def test_design_caused_large_change_deducts_from_the_design_unit_only_over_ten_percent(
    district, design
):
    d = district
    big, _c = _designed(d, design, contract_amount="100000")
    small, _c2 = _designed(d, design, contract_amount="100000")
    undesigned, _c3 = under_way(d, contract_amount="100000")
    for project, delta in ((big, "12000"), (small, "9000"), (undesigned, "15000")):
        change = approvals.change_request(
            actor=d.street_zhenhai, project_id=project.pk, amount_delta=delta, reason="图纸漏项"
        )
        approvals.change_decide(actor=d.drc, change_id=change.pk, approve=True)
    credit_nightly(today=_today())
    rows = CreditDeduction.objects.filter(rule=CreditRule.DESIGN_CHANGE)
    assert [(r.organisation_id, r.project_id) for r in rows] == [(design.pk, big.pk)]
    assert "12000" in rows[0].evidence
    # a second run records nothing twice
    credit_nightly(today=_today())
    assert CreditDeduction.objects.filter(rule=CreditRule.DESIGN_CHANGE).count() == 1


def test_a_settlement_over_the_budget_deducts_from_street_and_design_unit(district, design):
    d = district
    over, c1 = _designed(d, design, progress="100")
    near, c2 = _designed(d, design, progress="100")
    for project, contractor, share in ((over, c1, "1.2"), (near, c2, "1.05")):
        project = accepted(d, project, contractor)
        projects.settlement_record(
            actor=d.finance,
            project_id=project.pk,
            amount=str(project_counting_budget(project) * Decimal(share)),
            review_record="审定结算",
        )
    credit_nightly(today=_today())
    assert _rules(design) == [CreditRule.DESIGN_BUDGET]
    assert _rules(d.zhenhai) == [CreditRule.OVER_BUDGET]
    assert CreditDeduction.objects.get(rule=CreditRule.OVER_BUDGET).project_id == over.pk


def test_acceptance_not_organised_in_time_deducts_from_the_street_office(district):
    d = district
    late, c1 = under_way(d, progress="100")
    on_time, c2 = under_way(d, progress="100")
    done = datetime(2026, 9, 1, 10, tzinfo=SHANGHAI)
    with time_machine.travel(done, tick=False):
        for project, contractor in ((late, c1), (on_time, c2)):
            approvals.project_transition(
                actor=contractor, project_id=project.pk, name="declare_complete"
            )
    # 30 days is the limit: the thirtieth day deducts nothing
    credit_nightly(today=date(2026, 10, 1))
    assert _rules(d.zhenhai) == []
    Project.objects.filter(pk=on_time.pk).update(accepted_at=done + timedelta(days=20))
    credit_nightly(today=date(2026, 10, 2))
    rows = CreditDeduction.objects.filter(rule=CreditRule.LATE_ACCEPTANCE)
    assert [(r.organisation_id, r.project_id, r.day) for r in rows] == [
        (d.zhenhai.pk, late.pk, date(2026, 10, 2))
    ]


def test_an_overdue_item_owed_by_the_street_office_deducts_from_it(district):
    d = district
    project, _c = under_way(d)
    deadline = _today() + timedelta(days=3)
    inspections.item_open(
        actor=d.dept,
        project_id=project.pk,
        source=ItemSource.PATROL_LOG,
        problem="未按期组织巡查",
        responsible_organisation_id=d.zhenhai.pk,
        deadline=deadline,
        standard="补齐巡查",
    )
    credit_nightly(today=deadline)
    assert _rules(d.zhenhai) == []
    credit_nightly(today=deadline + timedelta(days=1))
    assert _rules(d.zhenhai) == [CreditRule.OVERDUE_RECTIFICATION]


def test_page_and_api_give_the_same_reasons_and_deductions_for_design_unit_and_street(
    client, district, design
):
    d = district
    over, contractor = _designed(d, design, progress="100")
    over = accepted(d, over, contractor)
    projects.settlement_record(
        actor=d.finance,
        project_id=over.pk,
        amount=str(project_counting_budget(over) * 2),
        review_record="审定结算",
    )
    # enough points to be warned: the warning's reason is the same on page and API
    from ..models import PerformancePolicy

    PerformancePolicy.objects.create(
        effective_from=date(2020, 1, 1), points_over_budget=30, points_design_budget=25
    )
    credit_nightly(today=_today())
    client.force_login(d.discipline)
    listing = client.get(reverse("api-performance-credit")).json()
    for party, points in ((design, 25), (Organisation.objects.get(pk=d.zhenhai.pk), 30)):
        api = client.get(reverse("api-performance-credit-company", args=[party.pk])).json()
        assert api["score"] == 100 - points
        assert [r["code"] for r in api["reasons"]] == ["score"]
        assert [x["points"] for x in api["deductions"]] == [points]
        row = next(r for r in listing if r["company_id"] == party.pk)
        assert row["reasons"] == api["reasons"] and row["kind"] == party.kind
        html = client.get(reverse("performance:credit_company", args=[party.pk])).content.decode()
        for reason in api["reasons"]:
            assert reason["text"] in html
        for deduction in api["deductions"]:
            assert deduction["rule_label"] in html
        assert "信用状态变更" in html  # the credit record shows the audited change
    page = client.get(reverse("performance:credit")).content.decode()
    assert design.name in page and "镇海街道" in page


def test_the_demo_district_shows_design_unit_and_street_office_deductions(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    kinds = set(
        CreditDeduction.objects.filter(withdrawn_at__isnull=True).values_list(
            "organisation__kind", "rule"
        )
    )
    assert (OrganisationKind.DESIGN, CreditRule.DESIGN_CHANGE) in kinds
    assert (OrganisationKind.STREET, CreditRule.LATE_ACCEPTANCE) in kinds
