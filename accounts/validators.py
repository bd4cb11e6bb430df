"""The 18-character unified social credit code (统一社会信用代码), GB 32100 check character."""

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
