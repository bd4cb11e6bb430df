"""Funds in the browser's terms and through the API: panel, queue, ledger and its Excel
export, flat query counts; progress reports."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from projects.services import payment_approve, payment_request
from tests.funds_helpers import ACCOUNT, under_way

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_money_at_a_glance_and_the_refusal_in_the_page(client, district):
    project, contractor = under_way(district, progress="40")
    client.force_login(contractor)
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "已完工程量价值" in html and "40,000.00" in html
    assert 'data-action="payment-request"' in html
    response = client.post(
        reverse("projects:payment_request", args=[project.pk]),
        {"stage": "progress", "amount": "40000.01", "payee_account": ACCOUNT},
        follow=True,
    )
    assert "超出 0.01 元" in response.content.decode()


def test_the_finance_queue_and_ledger_with_excel(client, district):
    project, contractor = under_way(district, progress="60")
    first = payment_request(
        actor=contractor, project_id=project.pk, stage="progress", amount="20000"
    )
    payment_request(actor=contractor, project_id=project.pk, stage="progress", amount="15000")
    payment_approve(actor=district.finance, payment_id=first.pk)
    client.force_login(district.finance)
    html = client.get(reverse("projects:payment_queue")).content.decode()
    assert html.count(project.code) == 2
    html = client.get(reverse("projects:payment_ledger"), {"status": "requested"}).content.decode()
    assert html.count('data-testid="ledger-row"') == 1
    response = client.get(
        reverse("projects:payment_ledger"), {"format": "xlsx", "status": "approved"}
    )
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "项目编号" and len(rows) == 2
    assert rows[1][6] == 20000 and rows[1][0] == project.code
    client.force_login(district.street_gongchen)
    assert project.code not in client.get(reverse("projects:payment_ledger")).content.decode()
    client.force_login(district.dept)
    assert client.get(reverse("projects:payment_ledger")).status_code == 403
    assert client.get(reverse("projects:payment_queue")).status_code == 403


@pytest.mark.parametrize("rows", [1, 8])
def test_ledger_query_count_is_flat(client, district, django_assert_num_queries, rows):
    project, contractor = under_way(district, progress="100")
    for _ in range(rows):
        payment_request(actor=contractor, project_id=project.pk, stage="progress", amount="100")
    client.force_login(district.finance)
    # session, user, count, page with project and street, session refresh (3)
    with django_assert_num_queries(7):
        assert client.get(reverse("projects:payment_ledger")).status_code == 200


@pytest.mark.parametrize("rows", [1, 8])
def test_project_page_with_payments_has_flat_queries(
    client, district, django_assert_num_queries, rows
):
    project, contractor = under_way(district, progress="100")
    for _ in range(rows):
        payment_request(actor=contractor, project_id=project.pk, stage="progress", amount="100")
    client.force_login(district.finance)
    # session, user, project (+contract, settlement…), lottery and its parties, changes, schedule
    # extensions, flags, progress (+ its photos and videos), patrol logs, missing-log days, spot
    # checks, ledger items, lab tests, the residents' panel (rating policy, summary, reviews),
    # committed and paid totals, payments, split-payment scan, attachments, timeline, session
    # refresh (3), the shortlisted companies on the red list
    with django_assert_num_queries(29):
        assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200


def test_payment_api_for_the_finance_system(district):
    project, contractor = under_way(district, progress="40")
    response = _api(contractor).post(
        f"/api/v1/projects/{project.pk}/payments/",
        {"stage": "progress", "amount": "50000"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["rule"] == "progress_limit"
    assert response.json()["extra"]["excess"] == "10000.00"
    response = _api(contractor).post(
        f"/api/v1/projects/{project.pk}/payments/",
        {"stage": "progress", "amount": "30000"},
        format="json",
    )
    assert response.status_code == 201
    payment_id = response.json()["id"]
    assert _api(contractor).post(f"/api/v1/payments/{payment_id}/approve/").status_code == 403
    assert (
        _api(district.finance).post(f"/api/v1/payments/{payment_id}/approve/").json()["status"]
        == "approved"
    )
    response = _api(district.finance).post(
        f"/api/v1/payments/{payment_id}/pay/",
        {"paid_on": "2027-02-01", "voucher_no": "记-0001"},
        format="json",
    )
    assert response.json()["status"] == "paid"
    ledger = _api(district.discipline).get("/api/v1/payments/").json()
    assert ledger["count"] == 1 and ledger["results"][0]["amount"] == "30000.00"
    assert _api(district.street_gongchen).get("/api/v1/payments/").json()["count"] == 0


def test_progress_reports_by_the_contractor_only(district):
    project, contractor = under_way(district, progress=None)
    assert (
        _api(district.street_zhenhai)
        .post(
            f"/api/v1/projects/{project.pk}/progress/",
            {"percent": "30", "text": "x"},
            format="json",
        )
        .status_code
        == 403
    )
    response = _api(contractor).post(
        f"/api/v1/projects/{project.pk}/progress/", {"percent": "130", "text": "x"}, format="json"
    )
    assert response.status_code == 400
    response = _api(contractor).post(
        f"/api/v1/projects/{project.pk}/progress/",
        {"percent": "35.5", "text": "基层完成"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["id"] == project.pk
    project.refresh_from_db()
    assert str(project.reported_progress) == "35.50"


@pytest.mark.parametrize("rows", [1, 6])
def test_finance_queue_query_count_is_flat(client, district, django_assert_num_queries, rows):
    project, contractor = under_way(district, progress="100")
    for _ in range(rows):
        payment_request(actor=contractor, project_id=project.pk, stage="progress", amount="100")
    client.force_login(district.finance)
    # session, user, to review, to pay, retention due, session refresh (3)
    with django_assert_num_queries(8):
        assert client.get(reverse("projects:payment_queue")).status_code == 200
