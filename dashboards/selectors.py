"""Reads for the discipline dashboards: figures, map points, timelines and the audit chain's
kept heads. Each is a fixed number of queries, whatever the number of rows."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from django.db.models import CharField, Count, F, Manager, Q, QuerySet, Sum
from django.db.models.functions import Cast, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import Organisation, Region
from accounts.selectors import district_scope, districts_under
from approvals.choices import FlagKind
from approvals.models import Flag
from core.dates import local_date
from core.models import AuditEvent, AuditHead
from core.periods import add_months
from inspections.choices import ItemStatus
from inspections.ledger import warning_colour
from inspections.models import PatrolViolation, RectificationItem
from performance.choices import ScoredKind
from performance.models import ScoringPeriod, Warning
from performance.selectors import period_get, ranking
from projects.choices import (
    Category,
    PaymentStatus,
    ProjectStatus,
    RiskColour,
    Tier,
    WarningLevel,
)
from projects.models import Contract, Payment, Project
from ratings.choices import RatingStatus
from ratings.models import Rating

from .filters import DashboardFilter
from .rollups import refreshed_at, rollup_rows, rollups_enabled

MONTHS_SHOWN = 24
# Filed = handed to the district: everything but drafts and drafts withdrawn.
NOT_FILED = (ProjectStatus.DRAFT, ProjectStatus.CANCELLED)


def dashboard_projects(data, user) -> tuple[QuerySet[Project], DashboardFilter]:
    """Discipline officers read every project of their districts (all of them for the
    province's, docs/province.md); the filter narrows them."""
    projects = Project.objects.all()
    scope = district_scope(user)
    if scope is not None:
        # the districts' ids as a list (one small query): the planner then knows how many of
        # the projects they hold, where a subquery leaves it guessing a third of them and it
        # probes a million ratings one project at a time (bench/dashboard.py, live)
        projects = projects.filter(district__in=list(scope.values_list("pk", flat=True)))
    project_filter = DashboardFilter(data or None, queryset=projects, user=user)
    return project_filter.qs, project_filter


def _of(
    queryset: QuerySet | Manager,
    projects: QuerySet[Project],
    filtered: bool,
    field: str = "project",
) -> QuerySet | Manager:
    # Unfiltered, the subquery would only add a semi-join over every project.
    return queryset.filter(**{f"{field}__in": projects}) if filtered else queryset


@dataclass(frozen=True)
class Slice:
    key: str
    label: str
    count: int
    amount: Decimal


def _slices(totals: dict, labels: dict) -> list[Slice]:
    return [
        Slice(str(key), str(labels.get(key, key)), n, amount) for key, (n, amount) in totals.items()
    ]


def dashboard_figures(projects: QuerySet[Project], *, filtered: bool) -> dict:
    """Totals and chart series by street, tier, status, category, month and risk colour;
    investment filed, contracted and paid; ratings; open warnings, ledger warnings and flags."""
    # One scan of the projects grouped by every dimension; the roll-ups are small.
    groups = (
        projects.order_by()
        .values("street__name", "tier", "status", "category", "risk_colour")
        .annotate(n=Count("id"), budget=Sum("budget_amount"))
    )
    dims: dict[str, dict] = {
        d: defaultdict(lambda: [0, Decimal("0")])
        for d in ("street__name", "tier", "status", "category", "risk_colour")
    }
    filed_by_street: dict[str, Decimal] = defaultdict(Decimal)
    total, total_budget, filed = 0, Decimal("0"), Decimal("0")
    for row in cast(Iterable[Mapping[str, Any]], groups):  # read by a dimension's name
        for dim, bucket in dims.items():
            bucket[row[dim]][0] += row["n"]
            bucket[row[dim]][1] += row["budget"]
        total += row["n"]
        total_budget += row["budget"]
        if row["status"] not in NOT_FILED:
            filed += row["budget"]
            filed_by_street[row["street__name"]] += row["budget"]

    since = add_months(local_date(timezone.now()).replace(day=1), 1 - MONTHS_SHOWN)
    months = list(
        projects.order_by()
        .filter(created_at__date__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"), budget=Sum("budget_amount"))
        .order_by("month")
    )

    contracted_by_street = dict(
        _of(Contract.objects, projects, filtered)
        .order_by()
        .values_list("project__street__name")
        .annotate(amount=Sum(F("amount") + F("approved_changes_total")))
    )
    paid_by_street = dict(
        _of(Payment.objects.filter(status=PaymentStatus.PAID), projects, filtered)
        .order_by()
        .values_list("project__street__name")
        .annotate(amount=Sum("amount"))
    )

    # Counts only: COUNT(*) by status is an index-only scan of a million ratings, where a mean
    # would read every row (the mean score is the performance app's satisfaction figure).
    ratings = dict(
        _of(Rating.objects, projects, filtered)
        .order_by()
        .values_list("status")
        .annotate(n=Count("*"))
    )

    streets = sorted(set(dims["street__name"]) | set(contracted_by_street) | set(paid_by_street))
    contracted = sum(contracted_by_street.values(), Decimal("0"))
    paid = sum(paid_by_street.values(), Decimal("0"))
    return {
        "area": "street",
        "total": total,
        "budget": total_budget,
        "filed": filed,
        "contracted": contracted,
        "paid": paid,
        "by_street": _slices(dims["street__name"], {}),
        "by_tier": _slices(dims["tier"], dict(Tier.choices)),
        "by_status": _slices(dims["status"], dict(ProjectStatus.choices)),
        "by_category": _slices(dims["category"], dict(Category.choices)),
        "by_risk": _slices(dims["risk_colour"], dict(RiskColour.choices)),
        "by_month": [
            Slice(f"{m['month']:%Y-%m}", f"{m['month']:%Y-%m}", m["n"], m["budget"]) for m in months
        ],
        "investment": [
            {
                "street": s,
                "filed": filed_by_street.get(s, Decimal("0")),
                "contracted": contracted_by_street.get(s) or Decimal("0"),
                "paid": paid_by_street.get(s) or Decimal("0"),
            }
            for s in streets
        ],
        "ratings": [
            {"status": s, "label": str(label), "count": ratings.get(s, 0)}
            for s, label in RatingStatus.choices
        ],
        **watch_figures(projects, filtered=filtered),
    }


def watch_figures(
    projects: QuerySet[Project], *, filtered: bool, districts: list[int] | None = None
) -> dict:
    """What is open now: ledger items by warning colour, the performance app's warnings,
    flags and patrol gaps (live on every view: they change by the day, not by the filing).
    Given the view's districts (a region's view), rows are matched by their project's district,
    a join on a short list, rather than by a semi-join over a province's projects."""

    def of(queryset):
        if districts is not None:
            return queryset.filter(project__district_id__in=districts)
        return _of(queryset, projects, filtered)

    open_items = (
        of(RectificationItem.objects.exclude(status=ItemStatus.CLOSED))
        .order_by()
        .values("status", "deadline", "opened_on")
        .annotate(n=Count("id"))
    )
    today = local_date(timezone.now())
    warnings: dict[str, int] = defaultdict(int)
    # One colour per (status, deadline, opened) group: a province's open items are many, their
    # dates few.
    for group in open_items:
        colour = warning_colour(SimpleNamespace(**group), today)
        if colour:
            warnings[colour] += group["n"]

    # 预警 of the performance app: open ones by colour (company-wide ones only unfiltered).
    open_warnings = dict(
        (of(Warning.objects) if filtered or districts is not None else Warning.objects)
        .filter(resolved_at__isnull=True)
        .order_by()
        .values_list("level")
        .annotate(n=Count("id"))
    )
    flags = dict(of(Flag.objects).order_by().values_list("kind").annotate(n=Count("id")))
    patrol_gaps = of(PatrolViolation.objects.filter(withdrawn_at__isnull=True)).count()
    return {
        "warnings": [
            {"colour": c, "label": str(label), "count": warnings.get(c, 0)}
            for c, label in WarningLevel.choices
        ],
        "open_warnings": [
            {"colour": c, "label": str(label), "count": open_warnings.get(c, 0)}
            for c, label in WarningLevel.choices
        ],
        "flags": [
            {"kind": k, "label": str(label), "count": flags.get(k, 0)}
            for k, label in FlagKind.choices
        ],
        "patrol_gaps": patrol_gaps,
    }


def rollup_figures(
    projects: QuerySet[Project], *, filtered: bool, districts: list[int] | None
) -> dict:
    """The figures of dashboard_figures read from the roll-up (dashboards/rollups.py) for the
    districts given (every one: None), with what is open now read live. One district is broken
    down by street office, one city's districts by district, more by city (docs/province.md)."""
    rows = rollup_rows(districts)
    regions = {
        pk: (name, parent)
        for pk, name, parent in Region.objects.values_list("pk", "name", "parent_id")
    }
    seen = {district for _dim, district, *_rest in rows if district}
    cities = {regions[d][1] for d in seen if d in regions}
    level = "street" if len(seen) <= 1 else "district" if len(cities) == 1 else "city"
    if level == "street":
        names = dict(
            Organisation.objects.filter(
                pk__in={street for _d, _di, street, *_r in rows if street}
            ).values_list("pk", "name")
        )

        def area(district: int, street: int) -> str:
            return names.get(street, "")
    elif level == "district":

        def area(district: int, street: int) -> str:
            return regions.get(district, ("", None))[0]
    else:

        def area(district: int, street: int) -> str:
            city = regions.get(district, ("", None))[1]
            return regions.get(city, ("", None))[0] if city else ""

    since = f"{add_months(local_date(timezone.now()).replace(day=1), 1 - MONTHS_SHOWN):%Y-%m}"
    dims: dict[str, dict] = {
        d: defaultdict(lambda: [0, Decimal("0")])
        for d in ("area", "tier", "status", "category", "risk", "month")
    }
    filed_by: dict[str, Decimal] = defaultdict(Decimal)
    contracted_by: dict[str, Decimal] = defaultdict(Decimal)
    paid_by: dict[str, Decimal] = defaultdict(Decimal)
    ratings: dict[str, int] = defaultdict(int)
    for dim, district, street, key, n, amount in rows:
        amount = amount or Decimal("0")
        if dim == "status":
            where = area(district, street)
            dims["area"][where][0] += n
            dims["area"][where][1] += amount
            dims["status"][key][0] += n
            dims["status"][key][1] += amount
            if key not in NOT_FILED:
                filed_by[where] += amount
        elif dim in ("tier", "category", "risk"):
            dims[dim][key][0] += n
            dims[dim][key][1] += amount
        elif dim == "month":
            if key >= since:
                dims["month"][key][0] += n
                dims["month"][key][1] += amount
        elif dim == "contracted":
            contracted_by[area(district, street)] += amount
        elif dim == "paid":
            paid_by[area(district, street)] += amount
        elif dim == "rating":
            ratings[key] += n
    areas = sorted(set(dims["area"]) | set(contracted_by) | set(paid_by))
    return {
        "area": level,
        "as_of": refreshed_at(),
        "total": sum(n for n, _a in dims["status"].values()),
        "budget": sum((a for _n, a in dims["status"].values()), Decimal("0")),
        "filed": sum(filed_by.values(), Decimal("0")),
        "contracted": sum(contracted_by.values(), Decimal("0")),
        "paid": sum(paid_by.values(), Decimal("0")),
        "by_street": _slices(dims["area"], {}),
        "by_tier": _slices(dims["tier"], dict(Tier.choices)),
        "by_status": _slices(dims["status"], dict(ProjectStatus.choices)),
        "by_category": _slices(dims["category"], dict(Category.choices)),
        "by_risk": _slices(dims["risk"], dict(RiskColour.choices)),
        "by_month": [
            Slice(key, key, n, amount) for key, (n, amount) in sorted(dims["month"].items())
        ],
        "investment": [
            {
                "street": a,
                "filed": filed_by.get(a, Decimal("0")),
                "contracted": contracted_by.get(a, Decimal("0")),
                "paid": paid_by.get(a, Decimal("0")),
            }
            for a in areas
        ],
        "ratings": [
            {"status": s, "label": str(label), "count": ratings.get(s, 0)}
            for s, label in RatingStatus.choices
        ],
        # None: every district, the province's own view, which nothing narrows.
        **watch_figures(projects, filtered=districts is not None, districts=districts),
    }


def figures_for(projects: QuerySet[Project], project_filter: DashboardFilter) -> dict:
    """The dashboard's figures for this view: from the roll-up where it serves (a province's,
    a city's or a district's view, nothing else narrowing it), else aggregated live."""
    active = project_filter.active
    filtered = bool(active) or project_filter.scoped
    if rollups_enabled(active):
        return rollup_figures(projects, filtered=filtered, districts=project_filter.districts())
    return dashboard_figures(projects, filtered=filtered)


def chart_data(figures: dict) -> dict:
    """The figures as the chart script reads them (plain numbers, translated labels)."""

    def series(slices):
        return [
            {"key": s.key, "name": s.label, "value": s.count, "amount": float(s.amount)}
            for s in slices
        ]

    return {
        "street": series(figures["by_street"]),
        "tier": series(figures["by_tier"]),
        "status": series(figures["by_status"]),
        "category": series(figures["by_category"]),
        "risk": series(figures["by_risk"]),
        "month": series(figures["by_month"]),
        "investment": [
            {
                "street": row["street"],
                "filed": float(row["filed"]),
                "contracted": float(row["contracted"]),
                "paid": float(row["paid"]),
            }
            for row in figures["investment"]
        ],
        "ratings": [
            {"key": r["status"], "name": r["label"], "value": r["count"]}
            for r in figures["ratings"]
        ],
        "warnings": [
            {"key": w["colour"], "name": w["label"], "value": w["count"]}
            for w in figures["warnings"]
        ],
        "open_warnings": [
            {"key": w["colour"], "name": w["label"], "value": w["count"]}
            for w in figures["open_warnings"]
        ],
        "labels": {
            "filed": _("申报"),
            "contracted": _("合同（含变更）"),
            "paid": _("已支付"),
            "count": _("项目数"),
            "budget": _("预算（元）"),
        },
    }


def contractor_ranking() -> tuple[ScoringPeriod | None, list[dict]]:
    """The latest scored quarter's contractor ranking, read from the performance app."""
    period = period_get(None)
    if period is None:
        return None, []
    return period, ranking(period, ScoredKind.CONTRACTOR)


@dataclass(frozen=True)
class StartCounts:
    by_status: dict[str, int]
    rolled_up: bool = False  # read from the roll-up, as of its refresh
    as_of: datetime | None = None  # when it was refreshed, if known


def start_counts(user, projects: QuerySet[Project]) -> StartCounts:
    """The start page's projects by status: a discipline officer's from the roll-up where it
    serves (their projects are exactly their districts', docs/province.md; counting a
    province's million projects live takes most of a second), with the time of its refresh;
    everyone else's live."""
    if user.role == Role.DISCIPLINE_OFFICER and rollups_enabled({}):
        region = getattr(user.organisation, "region_id", None)
        districts = (
            list(districts_under(region).values_list("pk", flat=True))
            if region is not None
            else None
        )
        counts: dict[str, int] = defaultdict(int)
        for dim, _district, _street, key, n, _amount in rollup_rows(districts):
            if dim == "status":
                counts[key] += n
        return StartCounts(dict(counts), rolled_up=True, as_of=refreshed_at())
    # COUNT(*), not COUNT(id): the status alone is then read from an index that holds it
    # (status; district and status; street and status) without visiting the rows — a lab's
    # half a million completed projects of a province in a third of the time.
    by_status = projects.order_by().values_list("status").annotate(n=Count("*"))
    return StartCounts(dict(by_status))


def dashboard_project_list(projects: QuerySet[Project]) -> QuerySet[Project]:
    return projects.select_related("street", "contractor").order_by("-created_at", "-id")


# The map page lists this many of the projects it cannot place, with their total.
UNLOCATED_SHOWN = 100


def unlocated_projects(projects: QuerySet[Project]) -> tuple[int, list[Project]]:
    """The filtered projects without coordinates, which the map cannot show: how many, and the
    first of them with their street (two queries)."""
    missing = projects.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
    shown = list(missing.select_related("street").order_by("-created_at", "-id")[:UNLOCATED_SHOWN])
    total = len(shown) if len(shown) < UNLOCATED_SHOWN else missing.count()
    return total, shown


def map_features(projects: QuerySet[Project]) -> dict:
    """Every located project as a GeoJSON point, with what the pop-up shows."""
    status_labels, tier_labels = dict(ProjectStatus.choices), dict(Tier.choices)
    url = reverse("projects:detail", args=[0]).replace("/0/", "/%d/")
    rows: Iterable[tuple[Any, ...]] = (  # no null coordinates, which the types cannot tell
        projects.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("id")
        .values_list(
            "id",
            "code",
            "name",
            "latitude",
            "longitude",
            "risk_colour",
            "status",
            "tier",
            "street__name",
        )
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": pk,
                "geometry": {"type": "Point", "coordinates": [float(lng), float(lat)]},
                "properties": {
                    "code": code,
                    "name": name,
                    "risk": risk,
                    "street": street,
                    "status": str(status_labels.get(status, status)),
                    "tier": str(tier_labels.get(tier, tier)),
                    "url": url % pk,
                },
            }
            for pk, code, name, lat, lng, risk, status, tier, street in rows
        ],
    }


def project_timeline(project: Project) -> QuerySet[AuditEvent]:
    """Every audit event about the project, in chain order: the project's own, and those of
    its ledger items and ratings (recorded on those objects). Patrol logs, their gaps and new
    ledger items name the project in `after`."""
    pk = project.pk
    ids_of = {
        "inspections.rectificationitem": RectificationItem.objects.filter(project_id=pk),
        "ratings.rating": Rating.objects.filter(project_id=pk),
    }
    about = Q(object_type="projects.project", object_id=str(pk)) | Q(after__project=pk)
    for object_type, rows in ids_of.items():
        about |= Q(
            object_type=object_type,
            object_id__in=rows.order_by()
            .annotate(text_id=Cast("id", CharField()))
            .values("text_id"),
        )
    return AuditEvent.objects.filter(about).order_by("id")


def chain_status() -> AuditHead | None:
    """The last verification (nightly, or the dashboard's button)."""
    return AuditHead.objects.order_by("-taken_at", "-id").first()


def daily_heads(days: int = 60) -> list[AuditHead]:
    """The last head kept on each day (Asia/Shanghai), newest first."""
    since = timezone.now() - timedelta(days=days)
    kept: dict[date, AuditHead] = {}
    for head in AuditHead.objects.filter(taken_at__gte=since).order_by("-taken_at", "-id"):
        kept.setdefault(local_date(head.taken_at), head)
    return list(kept.values())
