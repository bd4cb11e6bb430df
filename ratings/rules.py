"""The low-rating rule (docs/rules.md §7), in one place: a project whose settled mean score is below
the policy's threshold, on at least the policy's number of ratings, needs a review (复核).

The review (ratings.services.review_check), the risk colour and the warnings job (performance)
all ask this module, so that they never disagree about a project. What counts: counted
ratings (held and rejected ones never; released ones from their release), leaving out, for
the burst window, counted ratings that share a network with another recent rating of the
project — the first few of a campaign count until the burst shows and the screening holds
them all, and the rule must not fire on them meanwhile."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.dates import local_date

from .choices import RatingStatus
from .models import Rating, RatingPolicy
from .selectors import current_policy

# Ratings from one network within this window are screened as one burst (ratings.services).
NETWORK_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Standing:
    """A project's settled ratings: their mean (None without any) and their number."""

    mean: Decimal | float | None
    count: int


def thresholds(day: date) -> tuple[int, int]:
    """(the mean below which, the number of ratings from which) the policy in force on the day
    asks for a review."""
    policy = current_policy(day)
    return policy.review_below, policy.review_min_count


def is_low(standing: Standing, policy: RatingPolicy) -> bool:
    return (
        standing.mean is not None
        and standing.count >= policy.review_min_count
        and standing.mean < policy.review_below
    )


def settled_ratings(now: datetime, project_ids=None) -> QuerySet[Rating]:
    """The ratings the rule counts, of the given projects (all by default)."""
    recent = now - NETWORK_WINDOW
    ratings = Rating.objects.filter(status=RatingStatus.COUNTED)
    if project_ids is not None:
        ratings = ratings.filter(project_id__in=project_ids)
    twins = (
        Rating.objects.filter(
            project_id=OuterRef("project_id"), network=OuterRef("network"), created_at__gte=recent
        )
        .exclude(pk=OuterRef("pk"))
        .values("pk")
    )
    return ratings.exclude(Q(created_at__gte=recent) & Exists(twins))


def standing(project_id: int, *, now: datetime | None = None) -> Standing:
    row = settled_ratings(now or timezone.now(), [project_id]).aggregate(
        mean=Avg("score"), count=Count("id")
    )
    return Standing(row["mean"], row["count"])


def low_rated(
    project_ids=None, *, today: date | None = None, now: datetime | None = None
) -> dict[int, Standing]:
    """The projects (of those given, or all) that the rule holds too low today, with their
    standing; one grouped query."""
    now = now or timezone.now()
    policy = current_policy(today or local_date(now))
    rows = (
        settled_ratings(now, project_ids)
        .order_by()
        .values("project_id")
        .annotate(mean=Avg("score"), count=Count("id"))
        .filter(count__gte=policy.review_min_count, mean__lt=policy.review_below)
    )
    return {r["project_id"]: Standing(r["mean"], r["count"]) for r in rows}
