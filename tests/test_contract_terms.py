"""Retention and the large-change threshold live in projects.contract_terms: the database
constraint, the contract service, the payment rules, the change flag and the risk colour all
read them, and the texts that quote the figures agree with them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import services as approvals
from approvals.choices import FlagKind
from approvals.models import Flag
from approvals.tests.helpers import reveal_both
from performance.risk import REASONS, assess, reason_text
from projects import contract_terms as terms
from projects import funds
from projects.models import Contract
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db


def _percent(share: Decimal) -> str:
    return f"{share * 100:.0f}%"


def test_retention_bounds_in_python_and_in_the_database(district):
    assert terms.retention_rate_allowed(terms.RETENTION_CAP)
    assert terms.retention_rate_allowed("0")
    assert not terms.retention_rate_allowed(terms.RETENTION_CAP + Decimal("0.0001"))
    assert not terms.retention_rate_allowed(Decimal("-0.0001"))
    assert not terms.retention_rate_allowed(None)
    assert terms.retention_rate_applied(Decimal("0.05")) == terms.RETENTION_CAP
    project, _contractor = under_way(district)
    contract = project.contract
    assert contract.retention_rate == terms.RETENTION_DEFAULT
    assert funds.retention_amount(project, contract) == Decimal("3000.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(
            retention_rate=terms.RETENTION_CAP + Decimal("0.0001")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(
            defect_period_months=terms.DEFECT_PERIOD_MAX_MONTHS + 1
        )


def test_the_contract_service_quotes_the_cap_it_applies(district):
    from approvals.tests.helpers import approved_general, contract_data

    project = approved_general(district)
    approvals.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    reveal_both(district, project.pk)
    winner = approvals.lottery_draw(actor=district.dept, project_id=project.pk).winner
    with pytest.raises(ValidationError) as caught:
        approvals.contract_file(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data=contract_data(
                district, company=winner, retention_rate=terms.RETENTION_CAP + Decimal("0.001")
            ),
        )
    assert _percent(terms.RETENTION_CAP) in caught.value.message_dict["retention_rate"][0]


def test_large_change_both_ways_and_the_texts_quoting_it():
    assert not terms.is_large_change(Decimal("10000"), Decimal("100000"))
    assert terms.is_large_change(Decimal("10000.01"), Decimal("100000"))
    assert terms.is_large_change(Decimal("-15000"), Decimal("100000"))
    assert not terms.is_large_change(Decimal("-10000"), Decimal("100000"))
    assert not terms.is_large_change(Decimal("50000"), None)
    figure = _percent(terms.LARGE_CHANGE_SHARE)
    assert figure in str(FlagKind.LARGE_CHANGE.label)
    assert figure in str(REASONS["large_change"][1]).replace("%%", "%")
    # as the risk page prints it: one percent sign (it printed "10%%")
    shown = reason_text({"code": "large_change"})
    assert "10%" in shown and "%%" not in shown


@pytest.mark.parametrize("delta", ["15000", "-15000", "10000"])
def test_the_change_flag_and_the_risk_colour_agree(district, delta):
    project, _contractor = under_way(district)  # a 100,000 元 contract
    change = approvals.change_request(
        actor=district.street_zhenhai, project_id=project.pk, amount_delta=delta, reason="调整"
    )
    approvals.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    flagged = Flag.objects.filter(project=project, kind=FlagKind.LARGE_CHANGE).exists()
    reasons = assess([project.pk], timezone.localdate())[project.pk]
    in_risk = any(r["code"] == "large_change" for r in reasons)
    assert flagged == in_risk == (delta != "10000")
