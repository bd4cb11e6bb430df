"""守信红名单 (seed 004 守信激励; docs/credit.md): decided by rule when a quarter is scored after
its end, ended early when a deduction arrives or the standing is no longer normal, and expired
by its end date. The one writer of Organisation.red_listed_until and red_list_review_days, which
the payment queue and the shortlists' display read."""

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import CreditStatus
from accounts.models import Organisation
from core.periods import Quarter, add_months

from .choices import SUSPENDABLE_KINDS, RedListEnd
from .events import (
    red_list_expired_event,
    red_list_removed_event,
    red_list_withdrawn_event,
    red_listed_event,
)
from .models import (
    Blacklisting,
    CompanyScore,
    CreditDeduction,
    PerformancePolicy,
    RedListing,
    ScoringPeriod,
)


def top_places(ranked_count: int, policy: PerformancePolicy) -> int:
    """How many places count as the top of a ranking: the policy's share, at least one; a
    ranking of fewer than two has no top (nobody is first among one)."""
    if ranked_count < 2:
        return 0
    share = Decimal(ranked_count) * policy.red_list_top_share
    return max(1, int(share.to_integral_value(rounding=ROUND_FLOOR)))


def _at_top(score: CompanyScore, policy: PerformancePolicy) -> bool:
    """Ranked in the top places of its kind, with at least the policy's score, and not one
    failed spot check in the quarter."""
    return (
        score.ranked
        and score.rank is not None
        and score.rank <= top_places(score.ranked_count, policy)
        and score.score is not None
        and score.score >= policy.red_list_min_score
        and score.spot_checks_passed == score.spot_checks
    )


def _deducted_since(day: date, organisation_ids) -> set[int]:
    return set(
        CreditDeduction.objects.filter(
            organisation_id__in=organisation_ids, withdrawn_at__isnull=True, day__gte=day
        ).values_list("organisation_id", flat=True)
    )


def _blacklisted_on(day: date, organisation_ids) -> set[int]:
    return set(
        Blacklisting.objects.filter(
            organisation_id__in=organisation_ids,
            lifted_at__isnull=True,
            starts_on__lte=day,
            ends_on__gte=day,
        ).values_list("organisation_id", flat=True)
    )


def red_list_due(
    period: ScoringPeriod,
    previous: ScoringPeriod | None,
    scores: list[CompanyScore],
    policy: PerformancePolicy,
) -> dict[int, dict]:
    """The companies the rule lists after `period`, with the figures of both quarters: at the
    top two final quarters running, no deduction since the first of them began, not
    blacklisted and standing normal."""
    if previous is None or not previous.final:
        return {}
    now = {s.organisation_id: s for s in scores if s.kind in SUSPENDABLE_KINDS}
    before = {
        s.organisation_id: s
        for s in CompanyScore.objects.filter(period=previous, kind__in=SUSPENDABLE_KINDS)
    }
    both = [
        org
        for org, s in now.items()
        if _at_top(s, policy) and org in before and _at_top(before[org], policy)
    ]
    if not both:
        return {}
    excluded = _deducted_since(previous.starts_on, both) | _blacklisted_on(period.ends_on, both)
    normal = set(
        Organisation.objects.filter(pk__in=both, credit_status=CreditStatus.NORMAL).values_list(
            "pk", flat=True
        )
    )
    return {
        org: {
            "quarters": [
                {
                    "quarter": p.quarter,
                    "rank": s.rank,
                    "of": s.ranked_count,
                    "score": str(s.score),
                }
                for p, s in ((previous, before[org]), (period, now[org]))
            ],
        }
        for org in sorted(both)
        if org in normal and org not in excluded
    }


def _grounds(facts: dict) -> str:
    parts = [_("%(quarter)s 第 %(rank)s/%(of)s 名（%(score)s 分）") % q for q in facts["quarters"]]
    return _("连续两个季度排名前列：%(parts)s；期间无信用扣分、抽检全部合格。") % {
        "parts": "、".join(parts)
    }


def red_list_apply(
    actor,
    period: ScoringPeriod,
    quarter: Quarter,
    scores: list[CompanyScore],
    policy: PerformancePolicy,
) -> list[RedListing]:
    """At a final scoring: list those the rule names (first run only, one event each) and
    withdraw a listing of this quarter that a re-run no longer supports."""
    previous = ScoringPeriod.objects.filter(quarter=str(quarter.previous())).first()
    due = red_list_due(period, previous, scores, policy)
    existing = {r.organisation_id: r for r in RedListing.objects.filter(period=period)}
    created = []
    starts_on = quarter.end
    ends_on = add_months(starts_on, policy.red_list_months) - timedelta(days=1)
    for org in Organisation.objects.filter(pk__in=set(due) - set(existing)).order_by("pk"):
        facts = due[org.pk]
        listing = RedListing.objects.create(
            organisation=org,
            period=period,
            previous_period=previous,  # type: ignore[misc]  # due is empty without it
            reason=_grounds(facts),
            facts=facts,
            starts_on=starts_on,
            ends_on=ends_on,
            review_days=policy.red_list_review_days,
        )
        red_listed_event(actor=actor, organisation=org, after=_facts(listing))
        created.append(listing)
    withdrawn = []
    for org_id, listing in existing.items():
        if org_id not in due and listing.ended_at is None:
            _end(listing, RedListEnd.WITHDRAWN, str(quarter))
            red_list_withdrawn_event(
                actor=actor,
                organisation=listing.organisation,
                before={"red_listing": listing.pk, "ends_on": listing.ends_on},
                after={"because": listing.ended_because, "quarter": str(quarter)},
            )
            withdrawn.append(org_id)
    red_list_sync([*(r.organisation_id for r in created), *withdrawn])
    return created


def _facts(listing: RedListing) -> dict:
    return {
        "red_listing": listing.pk,
        "quarters": [listing.previous_period.quarter, listing.period.quarter],
        "grounds": listing.reason,
        "starts_on": listing.starts_on,
        "ends_on": listing.ends_on,
        "review_days": listing.review_days,
    }


def _end(listing: RedListing, because: str, note: str) -> None:
    listing.ended_at = timezone.now()
    listing.ended_because = because
    listing.end_note = note[:300]
    listing.save(update_fields=["ended_at", "ended_because", "end_note", "updated_at"])


def red_list_refresh(
    *, actor=None, today: date, organisation_ids=None, record: bool = True
) -> list[RedListing]:
    """End what no longer stands today: a listing whose company got a deduction since its
    first quarter began, or whose standing is no longer normal (removed), or whose end has
    passed (expired). One event per listing ended, or none with `record=False` (a person's
    action names the ended listings in its own one event). Inside the caller's transaction."""
    open_ = RedListing.objects.select_for_update().filter(ended_at__isnull=True)
    if organisation_ids is not None:
        open_ = open_.filter(organisation_id__in=organisation_ids)
    listings = list(
        open_.select_related("organisation", "previous_period").order_by("organisation_id", "pk")
    )
    ended = []
    for listing in listings:
        org = listing.organisation
        since = listing.previous_period.starts_on
        if listing.ends_on < today:
            _end(listing, RedListEnd.EXPIRED, "")
            if record:
                red_list_expired_event(
                    actor=actor,
                    organisation=org,
                    before={"red_listing": listing.pk, "ends_on": listing.ends_on},
                    after={"because": listing.ended_because, "on": today},
                )
            ended.append(listing)
            continue
        deduction = (
            CreditDeduction.objects.filter(
                organisation=org, withdrawn_at__isnull=True, day__gte=since
            )
            .order_by("day", "pk")
            .first()
        )
        if deduction is not None:
            because, note = (
                RedListEnd.DEDUCTION,
                f"{deduction.day} {deduction.get_rule_display()} −{deduction.points}",
            )
        elif org.credit_status != CreditStatus.NORMAL:
            because, note = RedListEnd.STANDING, str(org.get_credit_status_display())
        else:
            continue
        _end(listing, because, note)
        if record:
            red_list_removed_event(
                actor=actor,
                organisation=org,
                before={"red_listing": listing.pk, "ends_on": listing.ends_on},
                after={"because": because, "note": note, "on": today},
            )
        ended.append(listing)
    red_list_sync([listing.organisation_id for listing in ended])
    return ended


def red_list_sync(organisation_ids) -> None:
    """Write the low fields from the listings still standing: the latest end, the shortest
    review limit among them."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return
    standing = {
        row["organisation_id"]: row
        for row in RedListing.objects.filter(organisation_id__in=ids, ended_at__isnull=True)
        .values("organisation_id")
        .annotate(until=Max("ends_on"), days=Min("review_days"))
    }
    for org_id in ids:
        row = standing.get(org_id)
        Organisation.objects.filter(pk=org_id).update(
            red_listed_until=row["until"] if row else None,
            red_list_review_days=row["days"] if row else None,
        )


def red_listed_today(today: date, organisation_ids=None) -> dict[int, date]:
    """Companies on the red list today, with the last day of their listing."""
    rows = RedListing.objects.filter(
        ended_at__isnull=True, starts_on__lte=today, ends_on__gte=today
    )
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=organisation_ids)
    return dict(
        rows.values("organisation_id")
        .annotate(until=Max("ends_on"))
        .values_list("organisation_id", "until")
    )
