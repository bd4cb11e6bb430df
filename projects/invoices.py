"""Invoices on payment requests (docs/rules.md §6, issue #18 point 3): the code and number in
the formats the tax bureau issues, the amount, the file's hash; one invoice pays once."""

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from core.money import format_yuan, parse_amount

from .choices import PaymentStatus

# 增值税发票: a 10-digit (special) or 12-digit (ordinary, electronic) code with an 8-digit number;
# 全面数字化的电子发票 (数电票): a 20-digit number and no code.
CODE = re.compile(r"^(\d{10}|\d{12})$")
NUMBER_WITH_CODE = re.compile(r"^\d{8}$")
DIGITAL_NUMBER = re.compile(r"^\d{20}$")


@dataclass(frozen=True)
class Invoice:
    code: str
    number: str
    amount: Decimal | None
    sha256: str


def invoice_read(*, code, number, amount, upload, requested: Decimal) -> Invoice:
    """The invoice of a payment request, checked; none at all is an empty Invoice. Given a file
    or a number, the number (with its code unless 数电票) and the amount are required, and the
    amount (价税合计) must be the amount requested."""
    code, number = (code or "").strip(), (number or "").strip()
    amount_text = str(amount or "").strip()
    sha256 = ""
    if upload:
        digest = hashlib.sha256()
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        sha256 = digest.hexdigest()
    if not (code or number or amount_text or upload):
        return Invoice("", "", None, "")
    errors: dict[str, list[str]] = {}
    if DIGITAL_NUMBER.match(number):
        if code:
            errors["invoice_code"] = [_("数电票没有发票代码，请只填 20 位发票号码。")]
    elif NUMBER_WITH_CODE.match(number):
        if not CODE.match(code):
            errors["invoice_code"] = [_("发票代码应为 10 位或 12 位数字。")]
    else:
        errors["invoice_number"] = [
            _("发票号码应为 8 位数字（附发票代码），或数电票的 20 位数字。")
        ]
    value = None
    try:
        value = parse_amount(amount_text)
    except ValidationError:
        errors["invoice_amount"] = [_("请填写发票金额（价税合计）。")]
    if value is not None and value != requested:
        errors["invoice_amount"] = [
            _("发票金额 %(invoice)s 元与申请金额 %(requested)s 元不一致。")
            % {"invoice": format_yuan(value), "requested": format_yuan(requested)}
        ]
    if errors:
        raise ValidationError(errors)
    return Invoice(code, number, value, sha256)


def invoice_holders(invoice: Invoice) -> Q | None:
    """The payments (not returned) that already carry this invoice, by number or by file."""
    if not (invoice.number or invoice.sha256):
        return None
    same = Q(pk__in=[])
    if invoice.number:
        same |= Q(invoice_code=invoice.code, invoice_number=invoice.number)
    if invoice.sha256:
        same |= Q(invoice_sha256=invoice.sha256)
    return same & ~Q(status=PaymentStatus.RETURNED)


def invoice_reused_message(other) -> str:
    return _(
        "该发票已用于项目 %(code)s “%(name)s”于 %(date)s 提交的%(stage)s申请（%(amount)s 元），"
        "同一张发票不能重复请款。"
    ) % {
        "code": other.project.code or other.project_id,
        "name": other.project.name,
        "date": other.created_at.date(),
        "stage": other.get_stage_display(),
        "amount": format_yuan(other.amount),
    }
