from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.money import parse_amount


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("38000", Decimal("38000.00")),
        ("38,000.5", Decimal("38000.50")),
        (" 49999.99 ", Decimal("49999.99")),
        ("0.01", Decimal("0.01")),
        (120000, Decimal("120000.00")),
        (120000.25, Decimal("120000.25")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("5000元", Decimal("5000.00")),
        ("12.300", Decimal("12.30")),
    ],
)
def test_parse_amount_accepts(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("0", "not_positive", "大于零"),
        ("0.00", "not_positive", "大于零"),
        ("-1", "not_positive", "大于零"),
        ("abc", "invalid", "数字"),
        ("1e5x", "invalid", "数字"),
        ("NaN", "invalid", "数字"),
        ("Infinity", "invalid", "数字"),
        ("", "required", "金额"),
        (None, "required", "金额"),
        ("1000000000000", "too_large", "过大"),
        ("1e12", "too_large", "过大"),
        ("38000.001", "too_many_decimals", "两位小数"),
        ("0.001", "too_many_decimals", "两位小数"),
    ],
)
def test_parse_amount_refuses_with_a_chinese_message(raw, code, words):
    with pytest.raises(ValidationError) as caught:
        parse_amount(raw)
    assert caught.value.code == code
    assert words in caught.value.messages[0]
