"""Progress the site does not show (docs/rules.md §9, issue #18 point 4): reported progress set
against the supervisor's daily logs. A log with people on site is a worked day; one with no one
(head count 0) is a stopped site. Every list is a fixed number of queries."""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import partial

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import local_date, working_days_between
from core.money import CENT, format_yuan
from inspections.models import PatrolLog, ProgressReport
from projects.choices import PaymentStage
from projects.funds import COMMITTED
from projects.models import Payment, Project

from .rows import ALL_TIME, AnyRow, LazyRow, Period, Row, project_links, project_named

# A payment's work value more than this share above what the worked days support.
LOG_MARGIN = Decimal("0.30")
# A completion needs at least this many worked days per 10,000 元 of contract (at least one).
MIN_WORKED_DAYS_PER_10K = Decimal("0.5")


def _pct(value: Decimal) -> str:
    """10.00 → "10", 12.50 → "12.5"."""
    return format(value.normalize(), "f")


def _worked_days(
    projects: QuerySet[Project], *, arrays: bool | None = None
) -> dict[int, list[date]]:
    """Each project's days with people on site per the logs, in order (one query; the projects
    as a subquery, never as a list of ids). PostgreSQL hands each project's days over as one
    array (a row per project, not per log: about a third less time at 100,000 logs)."""
    logs = PatrolLog.objects.filter(project__in=projects, head_count__gt=0)
    if arrays if arrays is not None else connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        return defaultdict(
            list,
            logs.order_by()
            .values("project_id")
            .annotate(days=ArrayAgg("log_date", order_by="log_date"))
            .values_list("project_id", "days"),
        )
    days: dict[int, list[date]] = defaultdict(list)
    for project_id, day in logs.order_by("project_id", "log_date").values_list(
        "project_id", "log_date"
    ):
        days[project_id].append(day)
    return days


def progress_without_work_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """A report that raised the progress when no log since the one before saw anyone at work."""
    reports = (
        ProgressReport.objects.filter(project__in=projects)
        .order_by("project_id", "created_at", "id")
        .values_list("project_id", "created_at", "percent", "project__started_at")
    )
    worked = _worked_days(projects)
    hits = []
    # Per project: the highest progress reported so far and the day of the report before.
    previous: dict[int, tuple[Decimal, date]] = {}
    for project_id, created_at, percent, started_at in reports.iterator(chunk_size=5000):
        day = local_date(created_at)
        if project_id in previous:
            before, since = previous[project_id]
            # the days after the report before; its own day when both fall on one day
            first = bisect_right if since < day else bisect_left
        elif started_at:
            before, since = Decimal("0"), local_date(started_at)
            first = bisect_left  # the first report: the start day counts
        else:
            continue
        previous[project_id] = (max(before, percent), day)
        if percent <= before:
            continue
        if not period.contains(day):
            continue
        if bisect_right(worked[project_id], day) > first(worked[project_id], since):
            continue  # a worked day in between
        hits.append((project_id, before, percent, since, day))
    found = Project.objects.in_bulk({h[0] for h in hits})
    rows = []
    for project_id, before, percent, since, day in hits:
        project = found[project_id]
        rows.append(
            Row(
                project,
                [
                    project.code,
                    project.name,
                    f"{_pct(before)}% → {_pct(percent)}%",
                    f"{since} — {day}",
                ],
                _(
                    "%(day)s报送进度由 %(before)s%% 升至 %(after)s%%，但 %(since)s 以来的巡查日志"
                    "没有一天记录现场有人施工。"
                )
                % {
                    "day": day,
                    "before": _pct(before),
                    "after": _pct(percent),
                    "since": since,
                },
                project_links(project),
                (percent - before) / 10,
            )
        )
    return rows


def payment_over_logs_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[AnyRow]:
    """A progress payment request whose claimed work passes what the worked days support (the
    contract with its approved changes, in the share of its planned working days that the logs
    saw worked) by the margin. The claim is the work value the request states, or else what
    has been asked on the contract so far, this request included (work it must stand for)."""
    payments = (
        Payment.objects.filter(project__in=projects, status__in=COMMITTED)
        # asked after the period's end: never counts (earlier ones add to what was asked)
        .filter(Period(until=period.until).q("created_at"))
        .order_by("contract_id", "created_at", "id")
        .values_list(
            "project_id",
            "contract_id",
            "created_at",
            "amount",
            "stage",
            "work_value",
            "contract__start_date",
            "contract__end_date",
            "contract__amount",
            "contract__approved_changes_total",
        )
    )
    worked = _worked_days(projects)
    asked: dict[int, Decimal] = defaultdict(Decimal)
    planned_days: dict[int, int] = {}
    spans: dict[tuple[date, date], int] = {}
    names: dict[int, tuple[str | None, str]] = {}  # filled for the rows shown (name_projects)
    hits = []
    for (
        project_id,
        contract_id,
        created_at,
        amount,
        stage,
        work_value,
        start,
        end,
        contract_amount,
        changes,
    ) in payments:  # one fetch: a server-side cursor costs more than 30,000 rows in memory
        asked[contract_id] += amount
        if stage != PaymentStage.PROGRESS:
            continue
        asked_on = local_date(created_at)
        if not period.contains(asked_on):
            continue
        claimed = work_value or asked[contract_id]
        planned = planned_days.get(contract_id)
        if planned is None:
            span = spans.get((start, end))  # contracts let together often share their dates
            if span is None:
                span = spans[(start, end)] = max(working_days_between(start, end) + 1, 1)
            planned = planned_days[contract_id] = span
        done = bisect_right(worked[project_id], asked_on)
        supported = (
            (contract_amount + changes) * min(Decimal(1), Decimal(done) / planned)
        ).quantize(CENT)
        limit = supported * (1 + LOG_MARGIN)
        if claimed > limit:
            hits.append((project_id, asked_on, claimed, supported, limit, done, planned))
    return [
        # how many times the tolerated value the claim reaches; a claim with no worked day at
        # all counts as a hundred
        LazyRow(
            hit[2] / hit[4] if hit[4] else Decimal(100),
            partial(_over_logs_row, names, hit),
            hit[0],
            names,
        )
        for hit in hits
    ]


def _over_logs_row(names, hit) -> Row:
    project_id, asked_on, claimed, supported, limit, done, planned = hit
    project = project_named(names, project_id)
    return Row(
        project,
        [
            project.code,
            project.name,
            format_yuan(claimed),
            format_yuan(supported),
            f"{done} / {planned}",
        ],
        _(
            "%(day)s请款对应的已完工程量 %(value)s 元，而巡查日志记录的施工天数（%(done)d / 计划 "
            "%(planned)d 个工作日）只支撑约 %(supported)s 元（容差 %(margin)s%%）。"
        )
        % {
            "day": asked_on,
            "value": format_yuan(claimed),
            "done": done,
            "planned": planned,
            "supported": format_yuan(supported),
            "margin": f"{LOG_MARGIN * 100:.0f}",
        },
        project_links(project),
        claimed / limit if limit else Decimal(100),
    )


def completion_few_days_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """A completion declared with fewer worked days than the policy's minimum for its size."""
    finished = list(
        projects.filter(period.q("completed_at"), completed_at__isnull=False)
        .exclude(contract=None)
        .select_related("contract")
        .order_by("id")
    )
    worked = _worked_days(projects)
    rows = []
    for project in finished:
        contract = project.contract
        completed = timezone.localdate(project.completed_at)
        done = bisect_right(worked.get(project.pk, []), completed)
        total = contract.amount + contract.approved_changes_total
        needed = max(1, int((total / 10000 * MIN_WORKED_DAYS_PER_10K).to_integral_value()))
        if done >= needed:
            continue
        rows.append(
            Row(
                project,
                [project.code, project.name, format_yuan(total), done, needed],
                _(
                    "合同额 %(total)s 元的工程于 %(day)s 申报完工，巡查日志只记录了 %(done)d 个有人施工的"
                    "日子，少于每万元 %(rate)s 天的最低要求（%(needed)d 天）。"
                )
                % {
                    "total": format_yuan(total),
                    "day": completed,
                    "done": done,
                    "rate": f"{MIN_WORKED_DAYS_PER_10K:g}",
                    "needed": needed,
                },
                project_links(project),
                Decimal(needed) / max(done, 1),
            )
        )
    return rows
