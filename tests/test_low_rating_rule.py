"""The low-rating rule has one home (ratings.rules): the review (复核) it opens, the risk colour
and the warnings job agree on every project, held ratings and a campaign not yet held
included."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from performance.alerts import warnings_refresh
from performance.choices import WarningKind
from performance.models import Warning
from performance.risk import assess
from performance.tests.builders import ratings, under_way
from ratings import rules
from ratings.choices import RatingStatus
from ratings.models import Rating, Review
from ratings.services import review_check

pytestmark = pytest.mark.django_db


def _campaign(project, scores: list[int]):
    """Counted ratings from one network within the hour: the screening will hold them all as
    a burst once one more comes; until the window has passed they have not settled."""
    for n, score in enumerate(scores):
        Rating.objects.create(
            project=project,
            score=score,
            status=RatingStatus.COUNTED,
            device=f"campaign-{project.pk}-{n}",
            network="192.0.2.0/24",
        )


def _verdicts(project) -> dict[str, bool]:
    today = timezone.localdate()
    warnings_refresh(today=today)
    return {
        "rule": project.pk in rules.low_rated([project.pk]),
        "review": review_check(project.pk) is not None
        or Review.objects.filter(project=project).exists(),
        "risk": any(r["code"] == "low_rating" for r in assess([project.pk], today)[project.pk]),
        "warning": Warning.objects.filter(
            kind=WarningKind.LOW_RATING, project=project, resolved_at__isnull=True
        ).exists(),
    }


def test_review_risk_and_warnings_agree_with_held_and_unsettled_ratings(district):
    project = under_way(district, district.builder)
    # given: four residents rate low, a fifth's high rating waits for a moderator (held), and
    # two low ratings from one network arrived within the hour
    ratings(project, [50, 50, 50, 50])
    ratings(project, [100], status=RatingStatus.HELD)
    _campaign(project, [40, 40])

    # then: only four ratings have settled, fewer than five — nobody calls the project low
    assert rules.standing(project.pk) == rules.Standing(50, 4)
    assert _verdicts(project) == {"rule": False, "review": False, "risk": False, "warning": False}

    # when: the burst window has passed and the two have settled (the held one still waits)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        standing = rules.standing(project.pk)
        assert standing.count == 6
        assert float(standing.mean) == pytest.approx(280 / 6)
        # then: all of them call it low
        assert _verdicts(project) == {"rule": True, "review": True, "risk": True, "warning": True}


def test_a_held_rating_never_counts_for_any_of_them(district):
    project = under_way(district, district.builder)
    ratings(project, [60, 60, 60, 60])
    ratings(project, [10, 10], status=RatingStatus.HELD)
    assert _verdicts(project) == {"rule": False, "review": False, "risk": False, "warning": False}
    # A moderator releases one: five counted ratings, mean 50 — low for all of them at once.
    Rating.objects.filter(project=project, status=RatingStatus.HELD).filter(
        pk=Rating.objects.filter(project=project, status=RatingStatus.HELD).first().pk
    ).update(status=RatingStatus.COUNTED, moderated_at=timezone.now())
    assert _verdicts(project) == {"rule": True, "review": True, "risk": True, "warning": True}
