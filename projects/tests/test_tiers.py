from datetime import date
from decimal import Decimal

import pytest
import time_machine

from core.money import parse_amount
from projects.choices import Tier
from projects.models import Project, TierPolicy
from projects.tests.factories import make_project
from projects.tiers import policy_in_force, tier_for_amount

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "tier"),
    [
        ("0.01", Tier.SIMPLE),
        ("38000", Tier.SIMPLE),
        ("49999.99", Tier.SIMPLE),
        ("50000.00", Tier.GENERAL),
        ("120000", Tier.GENERAL),
        ("499999.99", Tier.GENERAL),
        ("500000.00", Tier.MAJOR),
        ("4999999.99", Tier.MAJOR),  # 5,000,000 and more: no 零星工程 (test_reprocurement)
    ],
)
def test_filed_project_gets_the_tier_of_its_amount(district, amount, tier):
    project = make_project(district.street_zhenhai, budget_amount=parse_amount(amount))
    assert Project.objects.get(pk=project.pk).tier == tier


def test_a_project_keeps_the_policy_in_force_when_it_was_filed(district, admin_user):
    with time_machine.travel(date(2026, 6, 1)):
        before = make_project(district.street_zhenhai, budget_amount=Decimal("60000"))
    TierPolicy.objects.create(
        effective_from=date(2026, 7, 1),
        general_from=Decimal("100000"),
        major_from=Decimal("1000000"),
    )
    with time_machine.travel(date(2026, 7, 2)):
        after = make_project(district.street_zhenhai, budget_amount=Decimal("60000"))
    assert before.tier == Tier.GENERAL
    assert after.tier == Tier.SIMPLE
    assert policy_in_force(date(2026, 6, 30)).general_from == Decimal("50000")
    # Editing the earlier project later still uses its own policy.
    assert tier_for_amount(Decimal("60000"), before.tier_policy) == Tier.GENERAL
