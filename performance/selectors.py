"""Reads of performance and credit: the ranking, one company's figures with their evidence,
credit standing, warnings, risk and demonstration projects — each in a fixed number of
queries."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, F, QuerySet, Sum
from django.http import Http404

from accounts.models import Organisation
from core.dates import local_date
from core.events import verbs_only_for
from core.models import AuditEvent
from core.periods import Quarter, day_start
from inspections.models import LabTest, SpotCheck
from projects.choices import PaymentStatus
from projects.models import Payment, Project
from projects.permissions import projects_visible_to
from ratings.choices import RatingStatus
from ratings.models import Rating

from .choices import CREDIT_KINDS, SUSPENSION_IN_FORCE, ScoredKind
from .credit import credit_scores, credit_targets, reason_label, standing_deductions
from .models import (
    Blacklisting,
    CompanyScore,
    CreditDeduction,
    DemonstrationProposal,
    FalseReport,
    RedListing,
    ScoringPeriod,
    Suspension,
    WarningRecipient,
)
from .policies import policy_in_force
from .risk import reason_text
from .schedule import lateness

OWNER_FIELD: dict[str, str] = {
    ScoredKind.CONTRACTOR: "contractor_id",
    ScoredKind.SUPERVISOR: "supervision_unit_id",
    ScoredKind.STREET: "street_id",
}


def period_get(quarter: str | None) -> ScoringPeriod | None:
    """The named quarter (404 when never scored), or the latest scored one (None if none)."""
    if not quarter:
        return ScoringPeriod.objects.order_by("-starts_on").first()
    try:
        label = str(Quarter.parse(quarter))
    except ValidationError:
        raise Http404 from None
    period = ScoringPeriod.objects.filter(quarter=label).first()
    if period is None:
        raise Http404
    return period


def score_list(period: ScoringPeriod, kind: str | None = None) -> QuerySet[CompanyScore]:
    scores = CompanyScore.objects.filter(period=period).select_related("organisation")
    if kind:
        scores = scores.filter(kind=kind)
    # Not ranked (no rank) last on every database (SQLite puts NULL first).
    return scores.order_by("kind", F("rank").asc(nulls_last=True), "organisation__name")


def suspended_in(period: ScoringPeriod) -> set[int]:
    return set(
        Suspension.objects.filter(period=period, status__in=SUSPENSION_IN_FORCE).values_list(
            "organisation_id", flat=True
        )
    )


def red_listed_in(period: ScoringPeriod) -> set[int]:
    """The companies this quarter's final scoring put on the red list (and still on it)."""
    return set(
        RedListing.objects.filter(period=period, ended_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )


def ranking(period: ScoringPeriod, kind: str | None = None) -> list[dict]:
    """What the command prints and the API returns: one row per organisation (3 queries)."""
    suspended = suspended_in(period)
    red_listed = red_listed_in(period)
    return [
        {
            "company": s.organisation.name,
            "company_id": s.organisation_id,
            "kind": s.kind,
            "quality_rate": s.quality_rate,
            "satisfaction": s.satisfaction,
            "funds_rate": s.funds_rate,
            "schedule_rate": s.schedule_rate,
            "late_days": s.late_days,
            "budget_rate": s.budget_rate,
            "score": s.score,
            "rank": s.rank if s.ranked else "not ranked",
            "ranked_count": s.ranked_count,
            "projects": s.projects,
            "checks": s.checks,
            "flags": {
                "bottom": s.bottom,
                "suspended": s.organisation_id in suspended,
                "red_listed": s.organisation_id in red_listed,
                "not_ranked": not s.ranked,
            },
        }
        for s in score_list(period, kind)
    ]


def company_score_get(period: ScoringPeriod, organisation_id) -> CompanyScore:
    score = (
        (
            CompanyScore.objects.filter(period=period, organisation_id=organisation_id)
            .select_related("organisation")
            .first()
        )
        if str(organisation_id).isdigit()
        else None
    )
    if score is None:
        raise Http404
    return score


def company_evidence(score: CompanyScore) -> dict:
    """Every record behind the three rates, filtered exactly as the scoring aggregate is."""
    period = score.period
    owner = {f"project__{OWNER_FIELD[score.kind]}": score.organisation_id}
    start_at, end_at = day_start(period.starts_on), day_start(period.ends_on)
    checks = list(
        SpotCheck.objects.filter(
            checked_on__gte=period.starts_on, checked_on__lt=period.ends_on, **owner
        )
        .select_related("project")
        .order_by("checked_on", "pk")
    )
    labs = list(
        LabTest.objects.filter(created_at__gte=start_at, created_at__lt=end_at, **owner)
        .select_related("project")
        .order_by("created_at", "pk")
    )
    ratings = list(
        Rating.objects.filter(
            status=RatingStatus.COUNTED, created_at__gte=start_at, created_at__lt=end_at, **owner
        )
        .values("project_id", "project__code", "project__name")
        .annotate(n=Count("id"), total=Sum("score"))
        .order_by("project_id")
    )
    payments = list(
        Payment.objects.filter(
            status=PaymentStatus.PAID,
            paid_on__gte=period.starts_on,
            paid_on__lt=period.ends_on,
            **owner,
        )
        .select_related("project")
        .order_by("paid_on", "pk")
    )
    due = list(
        Project.objects.filter(
            planned_end__gte=period.starts_on,
            planned_end__lt=period.ends_on,
            **{OWNER_FIELD[score.kind]: score.organisation_id},
        ).order_by("planned_end", "pk")
    )
    last_day = period.ends_on - timedelta(days=1)
    schedule = []
    for project in due:
        on_time, late = lateness(project.planned_end, project.completed_at, last_day)
        done = local_date(project.completed_at) if project.completed_at else None
        schedule.append({"project": project, "done": done, "on_time": on_time, "late": late})
    weights = period.weights or {}
    parts = [
        (weights.get("quality"), score.quality_rate),
        (weights.get("satisfaction"), score.satisfaction),
        (weights.get("funds"), score.funds_rate),
        (weights.get("schedule"), score.schedule_rate),
        (weights.get("budget"), score.budget_rate),
    ]
    used = [(w, r) for w, r in parts if w and r is not None]
    return {
        "checks": checks,
        "labs": labs,
        "ratings": ratings,
        "payments": payments,
        "schedule": schedule,
        "weights": weights,
        "used_weights": sum(w for w, _r in used),
        "weighted_terms": [(w, r, w * r) for w, r in used],
        "weighted_sum": sum(w * r for w, r in used),
    }


def _labelled(reasons: list[dict]) -> list[dict]:
    return [{**r, "label": reason_label(r)} for r in reasons]


def credit_overview(today: date) -> list[dict]:
    """Every company's standing and score, with what stands against it (5 queries)."""
    companies = list(Organisation.objects.filter(kind__in=CREDIT_KINDS).order_by("kind", "name"))
    scores = credit_scores(today)
    targets = credit_targets(today, policy_in_force(today))
    blacklists = {
        b.organisation_id: b
        for b in Blacklisting.objects.filter(
            lifted_at__isnull=True, starts_on__lte=today, ends_on__gte=today
        )
    }
    deductions: dict[int, list[CreditDeduction]] = {}
    for d in standing_deductions(today).filter(organisation__kind__in=CREDIT_KINDS):
        deductions.setdefault(d.organisation_id, []).append(d)
    return [
        {
            "company": c,
            "score": scores.get(c.pk, 100),
            "reasons": _labelled(targets.get(c.pk, ("", []))[1]),
            "deductions": deductions.get(c.pk, []),
            "blacklisting": blacklists.get(c.pk),
        }
        for c in companies
    ]


def credit_company(company: Organisation, today: date) -> dict:
    return {
        "company": company,
        "score": credit_scores(today, [company.pk]).get(company.pk, 100),
        "reasons": _labelled(
            credit_targets(today, policy_in_force(today), [company.pk]).get(company.pk, ("", []))[1]
        ),
        "deductions": list(
            CreditDeduction.objects.filter(organisation=company).select_related("project")[:200]
        ),
        "blacklistings": list(Blacklisting.objects.filter(organisation=company)),
        "demonstrations": list(
            Project.objects.filter(contractor=company, demonstration_year__isnull=False)
            .only("pk", "code", "name", "demonstration_year")
            .order_by("-demonstration_year", "pk")
        ),
        "suspensions": list(
            Suspension.objects.filter(organisation=company).select_related(
                "period", "previous_period"
            )
        ),
        "false_reports": list(
            FalseReport.objects.filter(organisation=company).select_related(
                "project", "confirmed_by"
            )
        ),
        "red_listings": list(
            RedListing.objects.filter(organisation=company).select_related(
                "period", "previous_period"
            )
        ),
        "record": credit_record(company),
    }


def credit_record(company: Organisation) -> list[AuditEvent]:
    """The company's credit record: every audit event recorded on it (standing changes,
    blacklists, suspensions and appeals, red listings and their end), newest first."""
    return list(
        AuditEvent.objects.filter(
            object_type=Organisation._meta.label_lower, object_id=str(company.pk)
        )
        .exclude(verb__in=verbs_only_for("discipline"))
        .order_by("-id")[:100]
    )


def warning_deliveries(user, *, unread_only: bool = False) -> QuerySet[WarningRecipient]:
    rows = (
        WarningRecipient.objects.filter(user=user)
        .select_related("warning")
        .order_by("read_at", "-warning__updated_at", "-pk")
    )
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def unread_warning_count(user) -> int:
    if not (user.is_authenticated and user.is_active):
        return 0
    return WarningRecipient.objects.filter(
        user=user, read_at__isnull=True, warning__resolved_at__isnull=True
    ).count()


def risk_list(user, colour: str | None = None) -> list[tuple[Project, list[str]]]:
    projects = (
        projects_visible_to(user)
        .filter(risk__isnull=False)
        .exclude(risk__colour="green")
        .select_related("street", "contractor", "risk")
        .order_by("risk__colour", "pk")
    )  # red before yellow
    if colour:
        projects = projects.filter(risk__colour=colour)
    return [(p, [reason_text(r) for r in p.risk.reasons]) for p in projects[:500]]


def demonstration_list(year: int) -> QuerySet[DemonstrationProposal]:
    return (
        DemonstrationProposal.objects.filter(year=year)
        .select_related("project", "project__street", "project__contractor")
        .order_by("rank")
    )
