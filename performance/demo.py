"""Demo activity for performance and credit: spot checks and counted ratings on the demo
companies' projects in the two quarters before this one and the current quarter, then the jobs, so that the
ranking, credit, risk and warning pages have something to show. Idempotent."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation
from approvals.services import change_decide, change_request
from core.dates import SHANGHAI, local_date
from core.periods import Quarter
from inspections.models import RectificationItem, SpotCheck
from projects.choices import ProjectStatus, Tier
from projects.models import Project
from ratings.choices import RatingStatus
from ratings.models import Rating

from .alerts import warnings_refresh
from .credit import credit_nightly
from .risk import risk_recompute
from .scoring import performance_score_quarter

DEMO_NOTE = "演示数据：季度抽检"
CHECKS_PER_COMPANY = 6
RATINGS_PER_PROJECT = 4


def _moment(quarter: Quarter, rng: random.Random, until) -> datetime:
    last = min(quarter.last_day, until)
    day = quarter.start + timedelta(days=rng.randint(0, max(0, (last - quarter.start).days)))
    return datetime.combine(day, time(10), tzinfo=SHANGHAI)


def _model_contractor(projects: list[Project]) -> int | None:
    """The first contractor of the demo with nothing against it (no failed check, no ledger
    item of its own), so that nothing ends its listing."""
    ids = sorted({p.contractor_id for p in projects if p.contractor_id})
    spotted = set(
        SpotCheck.objects.filter(passed=False).values_list("project__contractor_id", flat=True)
    ) | set(RectificationItem.objects.values_list("responsible_organisation_id", flat=True))
    return next((i for i in ids if i not in spotted), ids[0] if ids else None)


def _activity(quarter: Quarter, users: dict, rng: random.Random, until) -> int:
    inspector = next(u for u in users.values() if u.role == Role.DEPT_REVIEWER)
    projects = list(
        Project.objects.filter(contractor__isnull=False)
        .select_related("contractor", "supervision_unit")
        .order_by("pk")
    )
    by_company: dict[int, list[Project]] = {}
    for project in projects:
        by_company.setdefault(project.contractor_id, []).append(project)
        if project.supervision_unit_id:
            by_company.setdefault(project.supervision_unit_id, []).append(project)
    # One model contractor passes every check with high ratings each quarter: after two final
    # quarters it is on the red list (守信红名单, docs/credit.md).
    model = _model_contractor(projects)
    created = 0
    for company_id, owned in sorted(by_company.items()):
        # A company's quality differs a little from quarter to quarter, so ranks move.
        pass_rate = 0.65 + 0.3 * rng.random()
        for n in range(CHECKS_PER_COMPANY):
            project = owned[n % len(owned)]
            check = SpotCheck.objects.create(
                project=project,
                inspector=inspector,
                checked_on=_moment(quarter, rng, until).date(),
                passed=project.contractor_id == model or rng.random() < pass_rate,
                note=DEMO_NOTE,
            )
            created += 1
            if not check.passed:
                check.note = f"{DEMO_NOTE}（不合格）"
                check.save(update_fields=["note"])
        for project in owned:
            for n in range(RATINGS_PER_PROJECT):
                rating = Rating.objects.create(
                    project=project,
                    score=rng.randint(92, 100)
                    if project.contractor_id == model
                    else rng.randint(55, 100),
                    status=RatingStatus.COUNTED,
                    device=f"demo-{quarter}-{company_id}-{project.pk}-{n}",
                    network=f"10.{rng.randint(0, 250)}.0.0/24",
                )
                Rating.objects.filter(pk=rating.pk).update(created_at=_moment(quarter, rng, until))
    return created


def _party_credit_facts(users: dict, today) -> None:
    """The design unit is named on the demo's 一般类/重大类 projects (they have drawings); one
    of them under way takes a design-caused change over 10% of its contract, and one finished
    project waits for its acceptance past the limit — so the design unit and a street office
    show deductions (docs/credit.md). Once."""
    design = Organisation.objects.filter(kind=OrganisationKind.DESIGN).order_by("pk").first()
    if design is None or Project.objects.filter(design_unit=design).exists():
        return
    designed = Project.objects.filter(tier__in=[Tier.GENERAL, Tier.MAJOR]).order_by("pk")
    designed.update(design_unit=design)
    changed = (
        designed.filter(status=ProjectStatus.IN_PROGRESS, contract__isnull=False)
        .select_related("contract", "created_by")
        .first()
    )
    if changed is not None:
        change = change_request(
            actor=changed.created_by,
            project_id=changed.pk,
            amount_delta=(changed.contract.amount * Decimal("0.12")).quantize(Decimal("0.01")),
            reason="演示数据：施工图未反映地下管线，需迁改并增加检查井",
        )
        change_decide(actor=users["drc"], change_id=change.pk, approve=True)
    waiting = (
        Project.objects.filter(status=ProjectStatus.COMPLETED, accepted_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if waiting is not None:  # finished 45 days ago, acceptance not yet organised
        Project.objects.filter(pk=waiting.pk).update(
            completed_at=datetime.combine(today - timedelta(days=45), time(10), tzinfo=SHANGHAI)
        )


def seed_performance(users: dict, rng: random.Random) -> dict[str, int]:
    """Activity in the previous and the current quarter, then score both and run the nightly
    jobs. Call after the demo projects exist: seed_performance(users, rng)."""
    today = local_date(timezone.now())
    current = Quarter.of(today)
    # Two ended quarters (so that the second decides suspensions and the red list) and the
    # current one, scored provisionally.
    quarters = [current.previous().previous(), current.previous(), current]
    checks = 0
    with transaction.atomic():
        if not SpotCheck.objects.filter(note__startswith=DEMO_NOTE).exists():
            for quarter in quarters:
                checks += _activity(quarter, users, rng, today)
    scored = 0
    for quarter in quarters:
        period = performance_score_quarter(quarter=str(quarter))
        scored += period.scores.filter(
            ranked=True, kind__in=[OrganisationKind.CONTRACTOR, OrganisationKind.SUPERVISOR]
        ).count()
    _party_credit_facts(users, today)
    credit_nightly(today=today)
    risk_recompute(today=today)
    warnings = warnings_refresh(today=today)
    return {"demo_checks": checks, "ranked_companies": scored, "warnings": warnings["open"]}
