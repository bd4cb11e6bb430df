"""Money in 元: Decimal with two places, parsed and checked in one place for forms and the API."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
# Anything from 1e12 元 up is a typing error, not a minor work.
AMOUNT_CEILING = Decimal("1000000000000")


def parse_amount(value: object) -> Decimal:
    """A positive amount in 元 with at most two decimals, below 1e12; else ValidationError."""
    if isinstance(value, Decimal):
        amount = value
    else:
        # A JSON number arrives as float; its shortest repr is the decimal the client wrote.
        text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
        text = text.removesuffix("元").strip()
        if not text:
            raise ValidationError(_("请填写金额。"), code="required")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                _("金额必须是数字，例如 38000 或 38000.50。"), code="invalid"
            ) from None
    if not amount.is_finite():
        raise ValidationError(_("金额必须是数字，例如 38000 或 38000.50。"), code="invalid")
    if amount <= 0:
        raise ValidationError(_("金额必须大于零。"), code="not_positive")
    if amount >= AMOUNT_CEILING:
        raise ValidationError(
            _("金额过大（须小于 1 万亿元），请检查是否多输了位数。"), code="too_large"
        )
    if cast(int, amount.as_tuple().exponent) < -2 and amount != amount.quantize(CENT):
        raise ValidationError(_("金额最多保留两位小数（精确到分）。"), code="too_many_decimals")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


@dataclass(frozen=True)
class Yuan:
    """An amount that shows as 元 text on a page ("1,234.50") and is written as a number with
    the money format by the Excel writer (core.exports)."""

    amount: Decimal

    def __str__(self) -> str:
        return format_yuan(self.amount)
