"""The demo district gets a non-empty ranking in the current quarter and the two before it."""

import random

from dashboards.demo import seed
from performance.demo import seed_performance
from performance.models import CompanyScore, ScoringPeriod


def test_seed_performance_ranks_companies_in_two_quarters_and_is_idempotent(db):
    from accounts.models import User
    from projects.tests.factories import ensure_default_tier_policy

    ensure_default_tier_policy()
    seed()  # calls seed_performance
    users = {u.username: u for u in User.objects.all()}
    assert ScoringPeriod.objects.count() == 3
    for period in ScoringPeriod.objects.all():
        assert (
            CompanyScore.objects.filter(period=period, ranked=True, kind="contractor").count() >= 3
        )
    digests = sorted(ScoringPeriod.objects.values_list("digest", flat=True))
    again = seed_performance(users, random.Random(2025))
    assert again["demo_checks"] == 0  # nothing added the second time
    assert sorted(ScoringPeriod.objects.values_list("digest", flat=True)) == digests
