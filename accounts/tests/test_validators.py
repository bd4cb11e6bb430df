import pytest
from django.core.exceptions import ValidationError

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from accounts.tests.factories import make_credit_code
from accounts.validators import validate_credit_code


def test_generated_codes_pass():
    for n in (1, 42, 9999999):
        validate_credit_code(make_credit_code(n))


@pytest.mark.parametrize(
    "bad",
    [
        "91350304MA0000001X",  # wrong check character
        "91350304MA000000",  # too short
        "91350304MA00000011Z",  # too long
        "91350304MA00000I01",  # I is not in the alphabet
        "",
    ],
)
def test_bad_codes_are_refused_in_chinese(bad):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(bad)
    assert "统一社会信用代码" in caught.value.messages[0]


def test_check_character_is_what_gb32100_says():
    # Worked by hand: weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 over the alphabet
    # 0-9A-HJ-NPQRTUWXY; 31 - (sum mod 31).
    base = "91350304MA0000001"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(c) * w for c, w in zip(base, weights, strict=True))
    assert make_credit_code(1) == base + alphabet[(31 - total) % 31]


@pytest.mark.django_db
def test_a_company_cannot_be_saved_without_a_credit_code():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Organisation.objects.create(name="无代码公司", kind=OrganisationKind.CONTRACTOR)
