"""Identity checks: the 18-character unified social credit code (统一社会信用代码, GB 32100 check
character) and telephone numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError


def validate_credit_code(value: str) -> None:
    try:
        uscc.validate(value)
    except InvalidChecksum:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对。"), code="checksum"
        ) from None
    except StdnumError:
        raise ValidationError(
            _("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"), code="format"
        ) from None


# A mainland mobile number (11 digits from 13x to 19x), or a landline with its area code
# (0 + 2–3 digits, then 7–8 digits; a hyphen and an extension allowed).
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def validate_phone(value: str) -> None:
    compact = value.replace(" ", "")
    if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
        raise ValidationError(
            _("电话号码格式不正确：手机为 11 位数字，座机为区号加号码（如 0594-2345678）。"),
            code="phone",
        )


def normalise_phone(value: str) -> str:
    """The digits that identify a line (no spaces or hyphens; +86 dropped), for comparing."""
    digits = re.sub(r"\D", "", value or "")
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
