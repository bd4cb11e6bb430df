"""Risk colour per project (红黄绿, docs/rules.md §9) with its reasons: each factor is one grouped query
over all projects, then a pure rule decides the colour. Red means key supervision (重点监管)."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import CreditStatus
from approvals.choices import FlagKind
from approvals.models import Flag
from core.dates import local_date
from core.locks import advisory_lock
from inspections.choices import ItemSource, ItemStatus
from inspections.models import PatrolViolation, RectificationItem, SpotCheck
from projects.choices import PaymentStatus, ProjectStatus, RiskColour, Tier, WarningLevel
from projects.contract_terms import is_large_change
from projects.models import Payment, Project
from ratings.rules import low_rated, thresholds

from .events import risk_recomputed_event
from .models import ProjectRisk
from .schedule import late_projects

# Projects that still carry risk; a settled or archived one is history.
RISK_STATUSES = (
    ProjectStatus.APPROVED,
    ProjectStatus.PROCUREMENT,
    ProjectStatus.CONTRACTED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.COMPLETED,
    ProjectStatus.ACCEPTED,
    ProjectStatus.SUSPENDED,
)
CHECK_WINDOW_DAYS = 180
PATROL_WINDOW_DAYS = 30
PATROL_YELLOW = 3
YELLOWS_MAKE_RED = 3

REASONS = {
    "tier_major": (RiskColour.YELLOW, _("重大类项目")),
    "credit_warned": (RiskColour.YELLOW, _("施工单位信用警示")),
    "credit_barred": (RiskColour.RED, _("施工单位已列入黑名单或暂停资格")),
    "failed_check": (RiskColour.YELLOW, _("近半年质量抽检不合格 %(n)d 次")),
    "failed_checks": (RiskColour.RED, _("近半年质量抽检不合格 %(n)d 次")),
    "overdue_items": (RiskColour.RED, _("整改事项逾期 %(n)d 项")),
    "missing_logs": (RiskColour.YELLOW, _("近30天缺少巡查记录 %(n)d 天")),
    "low_rating": (RiskColour.YELLOW, _("群众评价平均分 %(mean)s（%(n)d 条）低于 %(limit)d")),
    "fund_anomaly": (RiskColour.YELLOW, _("不合规拨付 %(n)d 笔")),
    "large_change": (RiskColour.YELLOW, _("设计变更累计超过合同额10%%")),
    "complaints": (RiskColour.YELLOW, _("群众举报未销号 %(n)d 件")),
    "anomaly_flags": (RiskColour.YELLOW, _("近半年异常标记 %(n)d 条")),
    "late": (RiskColour.YELLOW, _("超过计划完工日期 %(days)d 天")),
    "late_red": (RiskColour.RED, _("超过计划完工日期 %(days)d 天")),
}


def reason_text(reason: dict) -> str:
    _colour, text = REASONS[reason["code"]]
    # Always through %: a text without parameters may still hold a literal "%%" (10%%).
    return str(text) % (reason.get("params") or {})


def colour_of(reasons: list[dict]) -> str:
    colours = [REASONS[r["code"]][0] for r in reasons]
    if RiskColour.RED in colours or colours.count(RiskColour.YELLOW) >= YELLOWS_MAKE_RED:
        return RiskColour.RED
    return RiskColour.YELLOW if colours else RiskColour.GREEN


def _grouped(qs, **annotations) -> dict[int, dict]:
    return {row["project_id"]: row for row in qs.values("project_id").annotate(**annotations)}


def assess(project_ids: list[int], today: date) -> dict[int, list[dict]]:
    """The reasons for each project, from one grouped query per factor."""
    projects = Project.objects.filter(pk__in=project_ids).values(
        "id",
        "tier",
        "contractor__credit_status",
        "contract__amount",
        "contract__approved_changes_total",
    )
    checks = _grouped(
        SpotCheck.objects.filter(
            project_id__in=project_ids,
            passed=False,
            checked_on__gt=today - timedelta(days=CHECK_WINDOW_DAYS),
        ),
        n=Count("id"),
    )
    overdue = _grouped(
        RectificationItem.objects.filter(project_id__in=project_ids, deadline__lt=today).exclude(
            status=ItemStatus.CLOSED
        ),
        n=Count("id"),
    )
    logs = _grouped(
        PatrolViolation.objects.filter(
            project_id__in=project_ids,
            withdrawn_at__isnull=True,
            day__gt=today - timedelta(days=PATROL_WINDOW_DAYS),
        ),
        n=Count("id"),
    )
    below, _minimum = thresholds(today)
    low_ratings = low_rated(project_ids, today=today)
    funds = _grouped(
        Payment.objects.filter(
            project_id__in=project_ids,
            compliant=False,
            status__in=(PaymentStatus.APPROVED, PaymentStatus.PAID),
        ),
        n=Count("id"),
    )
    complaints = _grouped(
        RectificationItem.objects.filter(
            project_id__in=project_ids, source=ItemSource.COMPLAINT
        ).exclude(status=ItemStatus.CLOSED),
        n=Count("id"),
    )
    # Anomalies raised on the project (splits, photos far, late or edited, weak procurement): a
    # large change is its own reason above.
    flags = _grouped(
        Flag.objects.filter(
            project_id__in=project_ids,
            created_at__date__gt=today - timedelta(days=CHECK_WINDOW_DAYS),
        ).exclude(kind=FlagKind.LARGE_CHANGE),
        n=Count("id"),
    )
    late = late_projects(today, project_ids)
    result = {}
    for p in projects:
        pid = p["id"]
        reasons: list[dict] = []

        def add(code, reasons=reasons, **params):
            reasons.append({"code": code, "params": params} if params else {"code": code})

        if p["tier"] == Tier.MAJOR:
            add("tier_major")
        if p["contractor__credit_status"] == CreditStatus.WARNED:
            add("credit_warned")
        elif p["contractor__credit_status"] in (CreditStatus.BLACKLISTED, CreditStatus.SUSPENDED):
            add("credit_barred")
        if pid in checks:
            add("failed_checks" if checks[pid]["n"] >= 2 else "failed_check", n=checks[pid]["n"])
        if pid in overdue:
            add("overdue_items", n=overdue[pid]["n"])
        if logs.get(pid, {}).get("n", 0) >= PATROL_YELLOW:
            add("missing_logs", n=logs[pid]["n"])
        if pid in low_ratings:
            rating = low_ratings[pid]
            add("low_rating", mean=f"{Decimal(rating.mean or 0):.1f}", n=rating.count, limit=below)
        if pid in funds:
            add("fund_anomaly", n=funds[pid]["n"])
        if is_large_change(p["contract__approved_changes_total"], p["contract__amount"]):
            add("large_change")
        if pid in complaints:
            add("complaints", n=complaints[pid]["n"])
        if pid in flags:
            add("anomaly_flags", n=flags[pid]["n"])
        if pid in late:
            add("late_red" if late[pid].level == WarningLevel.RED else "late", days=late[pid].days)
        result[pid] = reasons
    return result


def risk_recompute(
    *,
    project_ids: list[int] | None = None,
    organisation_ids=None,
    actor=None,
    today: date | None = None,
    chunk: int = 5000,
) -> dict[int, str]:
    """Recompute the colour and reasons of the given projects (all open ones by default);
    one audit event listing the colours that changed. Returns {project id: new colour}."""
    today = today or local_date(timezone.now())
    scope = Project.objects.filter(status__in=RISK_STATUSES)
    if project_ids is not None:
        scope = scope.filter(pk__in=project_ids)
    if organisation_ids is not None:
        scope = scope.filter(
            Q(contractor_id__in=organisation_ids) | Q(supervision_unit_id__in=organisation_ids)
        )
    changed: dict[int, str] = {}
    with transaction.atomic(durable=True):
        advisory_lock("performance.risk")
        ids = list(scope.order_by("pk").values_list("pk", flat=True))
        now = timezone.now()
        for start in range(0, len(ids), chunk):
            changed.update(risk_store(ids[start : start + chunk], today, now))
        if changed:
            risk_recomputed_event(
                actor=actor,
                after={"on": today, "changed": {str(k): v for k, v in sorted(changed.items())}},
            )
    return changed


def risk_store(project_ids: list[int], today: date, now) -> dict[int, str]:
    """Assess these projects and store their colours and reasons, inside the caller's
    transaction; {project id: new colour} of those whose colour moved."""
    reasons = assess(project_ids, today)
    current = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "risk_colour"))
    rows = [
        ProjectRisk(project_id=pid, colour=colour_of(r), reasons=r, computed_at=now)
        for pid, r in reasons.items()
    ]
    ProjectRisk.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["project"],
        update_fields=["colour", "reasons", "computed_at"],
        batch_size=2000,
    )
    changed: dict[int, str] = {}
    for colour in RiskColour.values:
        moved = [
            r.project_id for r in rows if r.colour == colour and current.get(r.project_id) != colour
        ]
        if moved:
            Project.objects.filter(pk__in=moved).update(risk_colour=colour)
            changed.update(dict.fromkeys(moved, colour))
    return changed


def risk_of(project_id: int) -> tuple[str, list[str]]:
    risk = ProjectRisk.objects.filter(project_id=project_id).first()
    if risk is None:
        return RiskColour.GREEN, []
    return risk.colour, [reason_text(r) for r in risk.reasons]
