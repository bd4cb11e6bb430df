"""Quarterly performance scoring (docs/rules.md §8): one set-based aggregate over the quarter's spot
checks, lab tests, counted ratings and paid payments, the three rates and the weighted score in
Decimal on one row per organisation, the ranking, the bottom flags and the suspensions.

The whole period is written in one transaction under an advisory lock: a killed run leaves
nothing, two runs at once are serialised, and a re-run writes the same table (its digest)."""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Organisation
from core.dates import local_date
from core.locks import advisory_lock
from core.outbox import enqueue
from core.periods import Quarter, day_start
from inspections.models import LabTest, SpotCheck
from projects.choices import PaymentStatus
from projects.models import Payment, Project
from ratings.choices import RatingStatus
from ratings.models import Rating

from .choices import SUSPENDABLE_KINDS, ScoredKind, SuspensionStatus
from .events import scored_event, suspended_event, suspension_withdrawn_event
from .models import CompanyScore, PerformancePolicy, ScoringPeriod, Suspension
from .policies import policy_in_force, weights_of
from .redlist import red_list_apply
from .schedule import lateness

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def _aggregate_sql(*, ranged: bool = False) -> str:
    """One row per (kind, organisation): project and sample counts, and the sums the rates
    rest on. Portable SQL (PostgreSQL, and SQLite for the embedded default). `ranged`: only
    the projects with after < id <= upto (one chunk of a chunked run: performance.jobs)."""
    only = " AND project_id > %(after)s AND project_id <= %(upto)s" if ranged else ""
    only_projects = " AND id > %(after)s AND id <= %(upto)s" if ranged else ""
    t = {
        "check": SpotCheck._meta.db_table,
        "lab": LabTest._meta.db_table,
        "rating": Rating._meta.db_table,
        "payment": Payment._meta.db_table,
        "project": Project._meta.db_table,
    }
    sums = """COUNT(*), SUM(chk_n), SUM(chk_ok), SUM(lab_n), SUM(lab_sum), SUM(rat_n),
              SUM(rat_sum), SUM(pay_n), SUM(pay_ok)"""
    return f"""
    WITH chk AS (
        SELECT project_id, COUNT(*) AS n, SUM(CASE WHEN passed THEN 1 ELSE 0 END) AS ok
        FROM {t["check"]} WHERE checked_on >= %(start)s AND checked_on < %(end)s{only}
        GROUP BY project_id),
    lab AS (
        SELECT project_id, COUNT(*) AS n, SUM(pass_rate) AS total
        FROM {t["lab"]} WHERE created_at >= %(start_at)s AND created_at < %(end_at)s{only}
        GROUP BY project_id),
    rat AS (
        SELECT project_id, COUNT(*) AS n, SUM(score) AS total
        FROM {t["rating"]} WHERE status = %(counted)s
          AND created_at >= %(start_at)s AND created_at < %(end_at)s{only}
        GROUP BY project_id),
    pay AS (
        SELECT project_id, COUNT(*) AS n, SUM(CASE WHEN compliant THEN 1 ELSE 0 END) AS ok
        FROM {t["payment"]} WHERE status = %(paid)s
          AND paid_on >= %(start)s AND paid_on < %(end)s{only}
        GROUP BY project_id),
    active AS (
        SELECT id AS project_id FROM {t["project"]}
        WHERE started_at < %(end_at)s AND (completed_at IS NULL OR completed_at >= %(start_at)s)
          {only_projects}
        UNION SELECT project_id FROM chk UNION SELECT project_id FROM lab
        UNION SELECT project_id FROM rat UNION SELECT project_id FROM pay),
    per AS (
        SELECT p.contractor_id, p.supervision_unit_id, p.street_id,
               COALESCE(chk.n, 0) AS chk_n, COALESCE(chk.ok, 0) AS chk_ok,
               COALESCE(lab.n, 0) AS lab_n, COALESCE(lab.total, 0) AS lab_sum,
               COALESCE(rat.n, 0) AS rat_n, COALESCE(rat.total, 0) AS rat_sum,
               COALESCE(pay.n, 0) AS pay_n, COALESCE(pay.ok, 0) AS pay_ok
        FROM active JOIN {t["project"]} p ON p.id = active.project_id
        LEFT JOIN chk ON chk.project_id = p.id LEFT JOIN lab ON lab.project_id = p.id
        LEFT JOIN rat ON rat.project_id = p.id LEFT JOIN pay ON pay.project_id = p.id)
    SELECT 'contractor', contractor_id, {sums} FROM per
        WHERE contractor_id IS NOT NULL GROUP BY contractor_id
    UNION ALL
    SELECT 'supervisor', supervision_unit_id, {sums} FROM per
        WHERE supervision_unit_id IS NOT NULL GROUP BY supervision_unit_id
    UNION ALL
    SELECT 'street', street_id, {sums} FROM per GROUP BY street_id
    """


def quarter_aggregates(quarter: Quarter, projects: tuple[int, int] | None = None) -> list[tuple]:
    """The raw aggregate the score rests on (the bench times it on its own); with `projects`
    (after, upto), the share of the projects with after < id <= upto."""
    ops = connection.ops
    params: dict[str, Any] = {
        "start": quarter.start,
        "end": quarter.end,
        "start_at": ops.adapt_datetimefield_value(day_start(quarter.start)),
        "end_at": ops.adapt_datetimefield_value(day_start(quarter.end)),
        "counted": RatingStatus.COUNTED,
        "paid": PaymentStatus.PAID,
    }
    if projects is not None:
        params["after"], params["upto"] = projects
    with connection.cursor() as cursor:
        cursor.execute(_aggregate_sql(ranged=projects is not None), params)
        return cursor.fetchall()


def schedule_figures(quarter: Quarter) -> dict[tuple[str, int], tuple[int, int, int]]:
    """工期 per (kind, organisation): the projects whose planned end falls in the quarter, how
    many were complete by it (Shanghai date), and the days late summed — to completion, or to
    the quarter's last day while still open. One query."""
    last_day = quarter.end - timedelta(days=1)
    figures: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = Project.objects.filter(
        planned_end__gte=quarter.start, planned_end__lt=quarter.end, contractor__isnull=False
    ).values_list(
        "contractor_id", "supervision_unit_id", "street_id", "planned_end", "completed_at"
    )
    for contractor, supervisor, street, planned_end, completed_at in rows:
        on_time, late = lateness(planned_end, completed_at, last_day)
        for kind, org in (
            (ScoredKind.CONTRACTOR, contractor),
            (ScoredKind.SUPERVISOR, supervisor),
            (ScoredKind.STREET, street),
        ):
            if org is None:
                continue
            entry = figures[(kind, org)]
            entry[0] += 1
            entry[1] += on_time
            entry[2] += late
    return {key: (due, ok, late) for key, (due, ok, late) in figures.items()}


def budget_figures(quarter: Quarter) -> dict[int, tuple[Decimal, Decimal]]:
    """预算执行率 per street, year to date: paid (payments paid from 1 January to the quarter's
    end) and approved (the counting budget of the street's projects approved in that time).
    Two grouped queries."""
    year_start = date(quarter.year, 1, 1)
    paid = dict(
        Payment.objects.filter(
            status=PaymentStatus.PAID, paid_on__gte=year_start, paid_on__lt=quarter.end
        )
        .values_list("project__street_id")
        .annotate(total=Sum("amount"))
        .values_list("project__street_id", "total")
    )
    approved = dict(
        Project.objects.filter(
            approved_at__gte=day_start(year_start), approved_at__lt=day_start(quarter.end)
        )
        .values_list("street_id")
        .annotate(total=Sum(Coalesce("approved_budget", "reviewed_budget", "budget_amount")))
        .values_list("street_id", "total")
    )
    return {
        street: (Decimal(paid.get(street) or 0), Decimal(approved[street] or 0))
        for street in approved
    }


def _rate(numerator: Decimal, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(numerator) / count).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    quality_rate: Decimal | None
    satisfaction: Decimal | None
    funds_rate: Decimal | None
    score: Decimal | None
    schedule_rate: Decimal | None = None
    budget_rate: Decimal | None = None


def figures(
    *,
    spot_checks: int,
    spot_checks_passed: int,
    lab_tests: int,
    lab_rate_sum,
    ratings: int,
    rating_sum: int,
    payments: int,
    payments_compliant: int,
    policy: PerformancePolicy,
    due_projects: int = 0,
    on_time_projects: int = 0,
    budget_paid: Decimal = Decimal(0),
    budget_approved: Decimal = Decimal(0),
) -> Figures:
    """The three rates (each on 0–100, two places) and the weighted score, computed from the
    rounded rates so the company page's arithmetic checks to the cent.

    工程质量合格率: a spot check counts 100 when passed and 0 when failed, a lab test counts its
    pass rate; their mean. 群众满意度: the mean counted rating. 资金合规率: compliant ÷ paid.
    工期达标率: on time ÷ due in the quarter. 预算执行率 (streets): paid ÷ approved year to date,
    at most 100. A rate without a sample is left out and the other weights are scaled up to
    100."""
    quality = _rate(HUNDRED * spot_checks_passed + Decimal(lab_rate_sum), spot_checks + lab_tests)
    satisfaction = _rate(Decimal(rating_sum), ratings)
    funds = _rate(HUNDRED * payments_compliant, payments)
    schedule = _rate(HUNDRED * on_time_projects, due_projects)
    budget = (
        min(HUNDRED, (HUNDRED * budget_paid / budget_approved).quantize(CENT, ROUND_HALF_UP))
        if budget_approved > 0
        else None
    )
    weighted = [
        (policy.weight_quality, quality),
        (policy.weight_satisfaction, satisfaction),
        (policy.weight_funds, funds),
        (policy.weight_schedule, schedule),
        (policy.weight_budget, budget),
    ]
    present = [(w, r) for w, r in weighted if r is not None and w]
    total = sum(w for w, _r in present)
    score = (
        cast(Decimal, sum(w * r for w, r in present) / total).quantize(CENT, ROUND_HALF_UP)
        if total
        else None
    )
    return Figures(quality, satisfaction, funds, score, schedule, budget)


def _meets_sample(projects: int, checks: int, policy: PerformancePolicy) -> bool:
    return projects >= policy.min_projects or checks >= policy.min_checks


def build_scores(
    period: ScoringPeriod,
    rows: list[tuple],
    policy: PerformancePolicy,
    schedule: dict[tuple[str, int], tuple[int, int, int]] | None = None,
    budget: dict[int, tuple[Decimal, Decimal]] | None = None,
) -> list[CompanyScore]:
    schedule, budget = schedule or {}, budget or {}
    scores = []
    for (
        kind,
        org_id,
        projects,
        chk_n,
        chk_ok,
        lab_n,
        lab_sum,
        rat_n,
        rat_sum,
        pay_n,
        pay_ok,
    ) in rows:
        counts: dict[str, Any] = {
            "spot_checks": int(chk_n),
            "spot_checks_passed": int(chk_ok),
            "lab_tests": int(lab_n),
            "lab_rate_sum": Decimal(str(lab_sum)).quantize(CENT),
            "ratings": int(rat_n),
            "rating_sum": int(rat_sum),
            "payments": int(pay_n),
            "payments_compliant": int(pay_ok),
        }
        due, on_time, late = schedule.get((kind, org_id), (0, 0, 0))
        paid, approved = (
            budget.get(org_id, (Decimal(0), Decimal(0)))
            if kind == ScoredKind.STREET
            else (Decimal(0), Decimal(0))
        )
        extra: dict[str, Any] = {
            "due_projects": due,
            "on_time_projects": on_time,
            "budget_paid": paid.quantize(CENT),
            "budget_approved": approved.quantize(CENT),
        }
        fig = figures(**counts, **extra, policy=policy)
        ranked = fig.score is not None and _meets_sample(
            int(projects), counts["spot_checks"] + counts["lab_tests"], policy
        )
        scores.append(
            CompanyScore(
                period=period,
                organisation_id=org_id,
                kind=kind,
                projects=int(projects),
                **counts,
                **extra,
                late_days=late,
                schedule_rate=fig.schedule_rate,
                budget_rate=fig.budget_rate,
                quality_rate=fig.quality_rate,
                satisfaction=fig.satisfaction,
                funds_rate=fig.funds_rate,
                score=fig.score,
                ranked=ranked,
                rank=None,
                ranked_count=0,
                bottom=False,
            )
        )
    _rank(scores, policy)
    return scores


def _rank(scores: list[CompanyScore], policy: PerformancePolicy) -> None:
    """Competition ranking within each kind (equal scores share a rank). The bottom share
    (at least one) is flagged; equal scores at the line are flagged together. A ranking of a
    single organisation has no bottom: nobody is last among one."""
    for kind in ScoredKind.values:
        ranked = [s for s in scores if s.kind == kind and s.ranked]
        n = len(ranked)
        values = sorted((cast(Decimal, s.score) for s in ranked), reverse=True)  # ranked: scored
        flagged = max(1, int((n * policy.bottom_share).to_integral_value(rounding="ROUND_FLOOR")))
        for s in ranked:
            s.rank = 1 + sum(1 for v in values if v > cast(Decimal, s.score))
            s.ranked_count = n
            from_bottom = 1 + sum(1 for v in values if v < cast(Decimal, s.score))
            s.bottom = n >= 2 and from_bottom <= flagged
        for s in scores:
            if s.kind == kind and not s.ranked:
                s.ranked_count = n


# The counts and sums of a quarter's aggregates that add up over chunks of projects (the long
# job's tallies, performance/jobs.py), in the order of its score rows.
AGGREGATE_SUMS = (
    "projects",
    "spot_checks",
    "spot_checks_passed",
    "lab_tests",
    "lab_rate_sum",
    "ratings",
    "rating_sum",
    "payments",
    "payments_compliant",
)

DIGEST_FIELDS = (
    "kind",
    "organisation_id",
    *AGGREGATE_SUMS,
    "quality_rate",
    "satisfaction",
    "funds_rate",
    "due_projects",
    "on_time_projects",
    "late_days",
    "schedule_rate",
    "budget_paid",
    "budget_approved",
    "budget_rate",
    "score",
    "ranked",
    "rank",
    "ranked_count",
    "bottom",
)


def period_digest(period_id: int) -> str:
    """SHA-256 of the period's rows as stored (ids and times left out)."""
    rows = (
        CompanyScore.objects.filter(period_id=period_id)
        .order_by("kind", "organisation_id")
        .values_list(*DIGEST_FIELDS)
    )
    suspensions = (
        Suspension.objects.filter(period_id=period_id)
        .order_by("organisation_id")
        .values_list("organisation_id", "starts_on", "ends_on", "status")
    )
    body = json.dumps(
        [[str(v) for v in row] for row in rows]
        + [["suspension", *(str(v) for v in row)] for row in suspensions],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _apply_suspensions(
    actor, period: ScoringPeriod, quarter: Quarter, scores: list[CompanyScore]
) -> list[Suspension]:
    """Bottom two quarters running → suspended for the calendar year after the quarter's year.
    Only the first run creates it (and its audit event); a re-run that no longer finds the
    company at the bottom withdraws an undecided suspension."""
    previous = ScoringPeriod.objects.filter(quarter=str(quarter.previous()), final=True).first()
    bottom_now = {s.organisation_id for s in scores if s.bottom and s.kind in SUSPENDABLE_KINDS}
    bottom_before = (
        set()
        if previous is None
        else set(
            CompanyScore.objects.filter(
                period=previous, bottom=True, kind__in=SUSPENDABLE_KINDS
            ).values_list("organisation_id", flat=True)
        )
    )
    due = bottom_now & bottom_before
    existing = {s.organisation_id: s for s in Suspension.objects.filter(period=period)}
    created = []
    year = quarter.year + 1
    for org in Organisation.objects.filter(pk__in=due - set(existing)).order_by("pk"):
        suspension = Suspension.objects.create(
            organisation=org,
            period=period,
            previous_period=previous,  # type: ignore[misc]  # there: at its bottom before
            starts_on=date(year, 1, 1),
            ends_on=date(year, 12, 31),
        )
        suspended_event(
            actor=actor,
            organisation=org,
            after={
                "suspension": suspension.pk,
                "quarters": [str(quarter.previous()), str(quarter)],
                "starts_on": suspension.starts_on,
                "ends_on": suspension.ends_on,
            },
        )
        created.append(suspension)
    for org_id, suspension in existing.items():
        if org_id not in due and suspension.status == SuspensionStatus.PENDING:
            suspension.status = SuspensionStatus.WITHDRAWN
            suspension.save(update_fields=["status", "updated_at"])
            suspension_withdrawn_event(
                actor=actor,
                organisation=suspension.organisation,
                before={"suspension": suspension.pk, "status": SuspensionStatus.PENDING},
                after={"status": suspension.status, "quarter": str(quarter)},
            )
    return created


def performance_score_quarter(*, quarter: str, actor=None) -> ScoringPeriod:
    """Score one quarter; any number of runs, concurrent or repeated, leave the same table."""
    q = Quarter.parse(quarter)
    with transaction.atomic(durable=True):
        return scores_write(q, quarter_aggregates(q), actor=actor)


def scores_write(q: Quarter, rows: list[tuple], *, actor=None) -> ScoringPeriod:
    """The quarter's table from its aggregate rows (quarter_aggregates, or the sums of a
    chunked run's tallies: performance.jobs), inside the caller's transaction: the period's
    scores replaced, ranked, suspensions and the red list decided, one event if it changed."""
    advisory_lock(f"performance.score:{q}")
    # The weights announced before the quarter began: companies knew the rules.
    policy = policy_in_force(q.start)
    period, _created = ScoringPeriod.objects.get_or_create(
        quarter=str(q), defaults={"starts_on": q.start, "ends_on": q.end}
    )
    before, was_final = period.digest, period.final
    CompanyScore.objects.filter(period=period).delete()
    scores = build_scores(period, rows, policy, schedule_figures(q), budget_figures(q))
    CompanyScore.objects.bulk_create(scores, batch_size=2000)
    period.final = local_date(timezone.now()) >= q.end
    suspended = _apply_suspensions(actor, period, q, scores) if period.final else []
    # 守信红名单 likewise only from quarters scored after their end (docs/credit.md).
    red_listed = red_list_apply(actor, period, q, scores, policy) if period.final else []
    period.policy = policy if policy.pk else None
    period.weights = weights_of(policy)
    period.digest = period_digest(period.pk)
    period.scored_at = timezone.now()
    period.save()
    if period.digest != before or period.final != was_final:
        scored_event(
            actor=actor,
            period=period,
            before={"digest": before, "final": was_final},
            after={
                "digest": period.digest,
                "weights": period.weights,
                "scored": len(scores),
                "ranked": sum(1 for s in scores if s.ranked),
                "bottom": sorted(s.organisation_id for s in scores if s.bottom),
                "suspended": [s.organisation_id for s in suspended],
                "red_listed": [r.organisation_id for r in red_listed],
                "final": period.final,
            },
        )
    if suspended:
        enqueue("performance.tasks.credit_nightly")
    return period
