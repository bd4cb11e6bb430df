"""Full public disclosure (阳光公示, seed 000/001): the current budget with its summary lines,
the contract with approved changes, payments made, test results and acceptance, who answers
for the works and the hotline — on the public page and the site sign alike."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from approvals import services as approvals
from core.errors import ConflictError
from projects import services as projects
from projects.services import payment_approve, payment_mark_paid, payment_request
from projects.tests.factories import make_project
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db


def test_the_public_page_of_an_enlarged_project_shows_what_is_current(
    district, django_assert_num_queries
):
    # given a 100,000 contract enlarged by an approved change of 5,000, one payment made and
    # a lab test recorded
    project, contractor = under_way(district, progress="60")
    change = approvals.change_request(
        actor=district.street_zhenhai,
        project_id=project.pk,
        amount_delta="5000",
        reason="增设排水沟",
    )
    approvals.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    payment = payment_request(
        actor=contractor, project_id=project.pk, stage="progress", amount="30000"
    )
    payment_approve(actor=district.finance, payment_id=payment.pk)
    payment_mark_paid(
        actor=district.finance, payment_id=payment.pk, paid_on=date(2026, 11, 20), voucher_no="记-1"
    )
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    from inspections.services import lab_test_record

    lab_test_record(actor=district.lab, project_id=project.pk, pass_rate="96.5", report_no="JC-88")
    project.refresh_from_db()
    # when a resident opens the public page
    url = reverse("ratings:public", args=[project.public_token])
    with django_assert_num_queries(8):
        page = Client().get(url).content.decode()
    # then it shows the current contract amount, the payment and the lab result
    assert "105,000.00" in page and "原合同 100,000.00 元，已批准变更 5,000.00 元" in page
    assert "30,000.00" in page and "2026-11-20" in page
    assert "合格率 96.50%" in page and "JC-88" in page
    assert 'href="tel:12388"' in page
    # the site sign prints the same facts
    client = Client()
    client.force_login(district.street_zhenhai)
    pdf = client.get(reverse("ratings:sign", args=[project.pk])).content
    assert pdf.startswith(b"%PDF")


def test_budget_lines_add_up_to_the_budget_and_are_published(client, district):
    project = make_project(district.street_zhenhai, budget_amount="80000")
    client.force_login(district.street_zhenhai)
    url = reverse("projects:budget_lines", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"item": ["土方开挖", "沥青面层"], "amount": ["30000", "40000"]})
    assert "与申报预算 80,000.00 元不一致" in response.content.decode()
    assert 'value="土方开挖"' in response.content.decode()  # kept as typed
    client.post(url, {"item": ["土方开挖", "沥青面层", ""], "amount": ["30000", "50000", ""]})
    assert [(line.item, str(line.amount)) for line in project.budget_lines.all()] == [
        ("土方开挖", "30000.00"),
        ("沥青面层", "50000.00"),
    ]
    with pytest.raises(ValidationError):
        projects.budget_lines_set(
            actor=district.street_zhenhai, project_id=project.pk, lines=[("x", "abc")]
        )
    approvals.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="submit"
    )
    with pytest.raises(ConflictError):
        projects.budget_lines_set(
            actor=district.street_zhenhai, project_id=project.pk, lines=[("土方", "80000")]
        )
