"""Invoices on payment requests (docs/rules.md §6, issue #18 point 3): numbers in the tax
bureau's formats, the amount equal to the request, and one invoice pays once — by its number or
by its file — refused at entry with the other payment named; a returned request gives it back."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.models import AuditEvent
from projects.events import ProjectEvents
from projects.models import Payment
from projects.services import payment_request, payment_return
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(text: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile("发票.pdf", PDF + text, content_type="application/pdf")


def _request(project, actor, amount="10000", **invoice):
    return payment_request(
        actor=actor, project_id=project.pk, stage="progress", amount=amount, **invoice
    )


def _errors(project, actor, amount="10000", **invoice) -> dict:
    with pytest.raises(ValidationError) as refused:
        _request(project, actor, amount, **invoice)
    return refused.value.message_dict


def test_an_invoice_is_recorded_with_its_numbers_amount_and_hash(district):
    project, contractor = under_way(district)
    payment = _request(
        project,
        contractor,
        invoice=_pdf(),
        invoice_code="035001900111",
        invoice_number="01234567",
        invoice_amount="10,000.00",
    )
    assert (payment.invoice_code, payment.invoice_number) == ("035001900111", "01234567")
    assert payment.invoice_amount == Decimal("10000.00") and len(payment.invoice_sha256) == 64
    event = AuditEvent.objects.filter(verb=ProjectEvents.PAYMENT_REQUESTED).latest("id")
    assert event.after["invoice_number"] == "01234567"


def test_the_same_invoice_number_on_another_request_is_refused_naming_the_first(district):
    first_project, first = under_way(district)
    second_project, second = under_way(district)
    earlier = _request(
        first_project,
        first,
        invoice_code="035001900111",
        invoice_number="01234567",
        invoice_amount="10000",
    )
    # when another project's contractor requests with the same invoice
    errors = _errors(
        second_project,
        second,
        invoice_code="035001900111",
        invoice_number="01234567",
        invoice_amount="10000",
    )
    # then it is refused, naming the other payment; nothing is written
    message = errors["invoice_number"][0]
    assert first_project.name in message and "10,000.00" in message and "进度款" in message
    assert not Payment.objects.filter(project=second_project).exists()
    # the same number under another code is another invoice
    assert _request(
        second_project,
        second,
        invoice_code="035001900222",
        invoice_number="01234567",
        invoice_amount="10000",
    )
    # a returned request gives its invoice back
    payment_return(actor=district.finance, payment_id=earlier.pk, reason="金额有误")
    assert _request(
        first_project,
        first,
        invoice_code="035001900111",
        invoice_number="01234567",
        invoice_amount="10000",
    )


def test_the_same_file_under_another_number_is_refused(district):
    first_project, first = under_way(district)
    second_project, second = under_way(district)
    _request(first_project, first, invoice=_pdf(), invoice_number="2" * 20, invoice_amount="10000")
    errors = _errors(
        second_project, second, invoice=_pdf(), invoice_number="3" * 20, invoice_amount="10000"
    )
    assert first_project.name in errors["invoice_number"][0]
    # a different file is fine
    assert _request(
        second_project,
        second,
        invoice=_pdf(b"%another"),
        invoice_number="3" * 20,
        invoice_amount="10000",
    )


@pytest.mark.parametrize(
    ("invoice", "field", "words"),
    [
        ({"invoice_code": "035001900111", "invoice_number": "1234567"}, "invoice_number", "8 位"),
        ({"invoice_code": "12345", "invoice_number": "01234567"}, "invoice_code", "10 位或 12 位"),
        ({"invoice_code": "035001900111", "invoice_number": "1" * 20}, "invoice_code", "数电票"),
        ({"invoice_number": "1" * 20, "invoice_amount": ""}, "invoice_amount", "价税合计"),
        ({"invoice_number": "1" * 20, "invoice_amount": "9999.99"}, "invoice_amount", "不一致"),
        ({"invoice": "file"}, "invoice_number", "8 位"),
    ],
)
def test_an_invoice_that_does_not_read_right_is_refused_with_the_field_named(
    district, invoice, field, words
):
    project, contractor = under_way(district)
    if invoice.get("invoice") == "file":
        invoice = {"invoice": _pdf()}
    else:
        invoice.setdefault("invoice_amount", "10000")
    errors = _errors(project, contractor, **invoice)
    assert words in " ".join(errors[field])
    assert not Payment.objects.exists()


def test_without_an_invoice_the_request_goes_as_before(district):
    project, contractor = under_way(district)
    assert _request(project, contractor).invoice_number == ""


def test_the_database_holds_one_invoice_per_live_request(district):
    project, contractor = under_way(district)
    first = _request(project, contractor, invoice_number="4" * 20, invoice_amount="10000")
    twin = Payment(
        project=project,
        contract=first.contract,
        stage="progress",
        amount=Decimal("1"),
        payee_name="x",
        payee_account="x",
        invoice_number="4" * 20,
        requested_by=contractor,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_the_page_and_the_api_say_why(client, district):
    first_project, first = under_way(district)
    second_project, second = under_way(district)
    _request(first_project, first, invoice_number="5" * 20, invoice_amount="10000")
    client.force_login(second)
    body = {
        "stage": "progress",
        "amount": "10000",
        "invoice_number": "5" * 20,
        "invoice_amount": "10000",
    }
    page = client.post(
        reverse("projects:payment_request", args=[second_project.pk]), body, follow=True
    )
    assert "同一张发票不能重复请款" in page.content.decode()
    api = client.post(
        reverse("api-project-payments", args=[second_project.pk]),
        body,
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "同一张发票不能重复请款" in str(api.json())
    assert not Payment.objects.filter(project=second_project).exists()
