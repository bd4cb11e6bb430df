"""The anomaly lists for discipline officers (docs/rules.md §9): each rule and its thresholds in one
place, each row saying why it is listed and linking to the evidence. Every list is a fixed
number of queries, whatever the number of rows."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial
from types import SimpleNamespace
from typing import Any, cast

from django.db.models import Avg, Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Abs, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from accounts.models import Organisation
from approvals import routes
from approvals.choices import ChangeStatus, FlagKind
from approvals.models import ChangeOrder, Flag, Tender, TenderBid
from approvals.splits import WINDOW_DAYS
from core import collector
from core.money import Yuan, format_yuan
from inspections.models import PatrolViolation, Photo
from inspections.photos import FAR_FROM_SITE_M, TIME_MISMATCH
from performance.risk import PATROL_YELLOW
from projects.choices import PaymentStage, PaymentStatus
from projects.contract_terms import LARGE_CHANGE_SHARE
from projects.funds import COMMITTED, work_value
from projects.models import Contract, Payment, Project, Settlement
from projects.services import project_counting_budget
from ratings.choices import RatingFlag, RatingStatus
from ratings.models import Rating

from .bidding import (
    CLOSE_SHARE,
    LOSSES_MIN,
    ROTATION_MIN,
    TOGETHER_MIN,
    TOGETHER_SHARE,
    bidder_identity_rows,
    loser_rows,
    price_rows,
    rotation_rows,
    together_rows,
)
from .identities import (
    awarder_tie_rows,
    certificate_lending_rows,
    shared_identity_rows,
    supervision_tie_rows,
)
from .rows import ALL_TIME, AnyRow, LazyRow, Period, Row, person_name, project_links, stand_in
from .site_progress import (
    LOG_MARGIN,
    MIN_WORKED_DAYS_PER_10K,
    completion_few_days_rows,
    payment_over_logs_rows,
    progress_without_work_rows,
)

# One contractor winning an unusual share of a street's work: at least this share of the
# street's contracted amount, with at least this many contracts won, in a street that let at
# least this many contracts (below that a share means nothing).
SHARE_THRESHOLD = Decimal("0.50")
SHARE_MIN_WON = 3
SHARE_MIN_STREET_CONTRACTS = 4
# Settlements well above budget (docs/rules.md §6): more than 10% over the approved budget.
SETTLEMENT_OVER_BUDGET = Decimal("0.10")
# Rating campaigns: at least this many held or flagged ratings from one network on one project.
CAMPAIGN_MIN_RATINGS = 3
# 低价中标、高价结算: approved changes within this time of the contract's filing that lift a
# lowest winning bid to the runner-up's price.
LOW_BID_WINDOW = timedelta(days=180)
# Flags raised by photos: listed with their figures in photo_claim_rows, not among "other flags".
PHOTO_FLAGS = (FlagKind.PHOTO_FAR, FlagKind.PHOTO_TIME, FlagKind.PHOTO_EDITED)
# Patrol gaps: the strength counts missing days against the risk rule's yellow.
PATROL_GAP_DAYS = PATROL_YELLOW


@dataclass(frozen=True)
class Kind:
    slug: str
    title: Promise
    rule: Promise
    columns: tuple[Promise, ...]
    build: Callable[[QuerySet[Project], Period], Sequence[AnyRow]]

    def rows(self, projects: QuerySet[Project], period: Period = ALL_TIME) -> list[AnyRow]:
        """The list's rows over `projects` in `period`, the strongest first."""
        with collector.paused():  # many rows, no cycles (core/collector.py)
            rows = self.build(projects, period)
            return sorted(rows, key=lambda r: -(r.strength or 0))


# --- 化整为零 ----------------------------------------------------------------------------


def split_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    flags = (
        Flag.objects.filter(period.q("created_at"), kind=FlagKind.SPLIT, project__in=projects)
        .select_related("project", "project__street", "project__created_by")
        .order_by("key", "project_id")
    )
    groups: dict[str, list[Flag]] = defaultdict(list)
    for flag in flags:
        groups[flag.key].append(flag)
    rows = []
    for members in groups.values():
        first = members[0].project
        total = sum((f.project.budget_amount for f in members), Decimal("0"))
        evidence = []
        for flag in members:
            evidence += project_links(flag.project)
        rows.append(
            Row(
                first,
                [
                    first.street.name,
                    "、".join(f"{f.project.code} {f.project.name}" for f in members),
                    person_name(first.created_by),
                    Yuan(total),
                ],
                "；".join(f.summary for f in members),
                evidence,
                # pieces of one work: two is the least a split can be
                Decimal(len(members)) / 2,
            )
        )
    return rows


# --- one contractor, an unusual share of a street's work ----------------------------------


def contractor_share_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    pairs = list(
        Contract.objects.filter(period.q("created_at"), project__in=projects)
        .values("project__street_id", "project__street__name", "contractor_id", "contractor__name")
        .annotate(won=Count("id"), amount=Sum("amount"))
        .order_by("project__street__name", "-amount")
    )
    street_count: dict[int, int] = defaultdict(int)
    street_amount: dict[int, Decimal] = defaultdict(Decimal)
    for pair in pairs:
        street_count[pair["project__street_id"]] += pair["won"]
        street_amount[pair["project__street_id"]] += pair["amount"]
    rows = []
    for pair in pairs:
        street = pair["project__street_id"]
        if street_count[street] < SHARE_MIN_STREET_CONTRACTS or pair["won"] < SHARE_MIN_WON:
            continue
        share = pair["amount"] / street_amount[street]
        count_share = Decimal(pair["won"]) / street_count[street]
        if max(share, count_share) < SHARE_THRESHOLD:
            continue
        why = _(
            "%(street)s共 %(total)d 个合同，%(contractor)s承接 %(won)d 个（数量占 %(count_share)s%%），"
            "金额占 %(share)s%%（阈值 %(threshold)s%%）。"
        ) % {
            "street": pair["project__street__name"],
            "total": street_count[street],
            "contractor": pair["contractor__name"],
            "won": pair["won"],
            "count_share": f"{count_share * 100:.0f}",
            "share": f"{share * 100:.0f}",
            "threshold": f"{SHARE_THRESHOLD * 100:.0f}",
        }
        url = reverse("dashboards:projects") + (
            f"?street={street}&contractor={pair['contractor_id']}"
        )
        rows.append(
            Row(
                None,
                [
                    pair["project__street__name"],
                    pair["contractor__name"],
                    f"{pair['won']} / {street_count[street]}",
                    Yuan(pair["amount"]),
                    f"{share * 100:.0f}%",
                ],
                why,
                [(_("该单位在该街道的项目"), url)],
                max(share, count_share) / SHARE_THRESHOLD,
            )
        )
    return rows


# --- the same person requesting and approving ----------------------------------------------


def same_person_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    rows = []
    approvers = routes.table().approver_fields()  # the route's steps and who signed them
    same = Q()
    for name, _label in approvers:
        same |= Q(created_by_id=F(f"{name}_id"))
    filed = projects.filter(same, period.q("created_at"))
    for project in filed.select_related("created_by").order_by("-id"):
        steps = "、".join(
            label
            for name, label in approvers
            if getattr(project, f"{name}_id") == project.created_by_id
        )
        rows.append(
            Row(
                project,
                [project.code, project.name, person_name(project.created_by), _("申报"), steps],
                _("%(person)s申报了项目，又审批了其中的%(steps)s环节（不得审批自己申报的项目）。")
                % {"person": person_name(project.created_by), "steps": steps},
                project_links(project),
            )
        )
    payments = (
        Payment.objects.filter(period.q("created_at"), project__in=projects)
        .filter(Q(requested_by_id=F("approved_by_id")) | Q(requested_by_id=F("paid_by_id")))
        .select_related("project", "requested_by")
        .order_by("-id")
    )
    for payment in payments:
        steps = "、".join(
            str(s)
            for s, same_person in (
                (_("审核"), payment.approved_by_id == payment.requested_by_id),
                (_("支付"), payment.paid_by_id == payment.requested_by_id),
            )
            if same_person
        )
        rows.append(
            Row(
                payment.project,
                [
                    payment.project.code,
                    payment.project.name,
                    person_name(payment.requested_by),
                    _("请款 %(amount)s 元") % {"amount": format_yuan(payment.amount)},
                    steps,
                ],
                _("%(person)s提出请款，又办理了%(steps)s。")
                % {"person": person_name(payment.requested_by), "steps": steps},
                [
                    *project_links(payment.project),
                    (_("拨付台账"), reverse("projects:payment_ledger")),
                ],
            )
        )
    changes = (
        ChangeOrder.objects.filter(
            period.q("created_at"), project__in=projects, decided_by_id=F("requested_by_id")
        )
        .select_related("project", "requested_by")
        .order_by("-id")
    )
    for change in changes:
        rows.append(
            Row(
                change.project,
                [
                    change.project.code,
                    change.project.name,
                    person_name(change.requested_by),
                    _("设计变更 %(amount)s 元") % {"amount": format_yuan(change.amount_delta)},
                    change.get_status_display(),
                ],
                _("%(person)s申请设计变更，又作出了审批决定。")
                % {"person": person_name(change.requested_by)},
                project_links(change.project),
            )
        )
    return rows


# --- payments before acceptance or over progress -------------------------------------------


def _early_payment_row(project_id, code, name, stage, amount, status, accepted_at) -> Row:
    project = stand_in(project_id, code, name)
    return Row(
        project,
        [code, name, PaymentStage(stage).label, Yuan(amount), PaymentStatus(status).label],
        _("竣工验收前的%(stage)s（验收：%(accepted)s）。")
        % {
            "stage": PaymentStage(stage).label,
            "accepted": timezone.localdate(accepted_at) if accepted_at else _("未验收"),
        },
        [*project_links(project), (_("拨付台账"), reverse("projects:payment_ledger"))],
    )


def _over_paid_row(project_id, code, name, progress, committed, value) -> Row:
    project = stand_in(project_id, code, name)
    return Row(
        project,
        [
            code,
            name,
            _("累计请款/拨付"),
            Yuan(committed),
            _("超出 %(excess)s 元") % {"excess": format_yuan(committed - value)},
        ],
        _(
            "验收前累计 %(committed)s 元，超过已完工程量价值 %(value)s 元（报送进度 %(progress)s%%）。"
        )
        % {
            "committed": format_yuan(committed),
            "value": format_yuan(value),
            "progress": format(progress.normalize(), "f"),
        },
        [*project_links(project), (_("拨付台账"), reverse("projects:payment_ledger"))],
        committed / value if value else None,
    )


def payment_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[AnyRow]:
    rows: list[AnyRow] = []
    early = (
        Payment.objects.filter(
            period.q("created_at"),
            project__in=projects,
            status__in=COMMITTED,
            stage__in=[PaymentStage.FINAL, PaymentStage.RETENTION],
        )
        .filter(
            Q(project__accepted_at__isnull=True) | Q(paid_on__lt=F("project__accepted_at__date"))
        )
        .order_by("-id")
        .values_list(
            "project_id",
            "project__code",
            "project__name",
            "stage",
            "amount",
            "status",
            "project__accepted_at",
        )
    )
    # thousands at district scale: each row is worded only when its page is shown
    rows.extend(LazyRow(None, partial(_early_payment_row, *payment)) for payment in early)
    # SQL narrows to contracts whose committed total passes progress × amount; the payment
    # rule itself (projects.funds.work_value) decides.
    requested_in_period = Payment.objects.filter(period.q("created_at"), contract=OuterRef("pk"))
    over = (
        Contract.objects.filter(project__in=projects, project__accepted_at__isnull=True)
        .filter(Exists(requested_in_period))
        .annotate(committed=Sum("payments__amount", filter=Q(payments__status__in=COMMITTED)))
        .filter(
            committed__gt=(F("amount") + F("approved_changes_total"))
            * F("project__reported_progress")
            / 100
        )
        .order_by("-id")
        .values_list(
            "project_id",
            "project__code",
            "project__name",
            "project__reported_progress",
            "amount",
            "approved_changes_total",
            "committed",
        )
    )
    for pid, code, name, progress, amount, changes, committed in over:
        value = work_value(
            cast(Project, SimpleNamespace(reported_progress=progress)),
            cast(Contract, SimpleNamespace(amount=amount, approved_changes_total=changes)),
        )
        if committed <= value:
            continue
        rows.append(
            LazyRow(
                committed / value if value else None,
                partial(_over_paid_row, pid, code, name, progress, committed, value),
            )
        )
    overridden = (
        Payment.objects.filter(period.q("created_at"), project__in=projects, compliant=False)
        .select_related("project")
        .order_by("-id")
    )
    for payment in overridden:
        rows.append(
            Row(
                payment.project,
                [
                    payment.project.code,
                    payment.project.name,
                    payment.get_stage_display(),
                    Yuan(payment.amount),
                    payment.get_status_display(),
                ],
                _("特批支付：%(reason)s") % {"reason": payment.override_reason or _("（未说明）")},
                [
                    *project_links(payment.project),
                    (_("拨付台账"), reverse("projects:payment_ledger") + "?non_compliant=1"),
                ],
            )
        )
    return rows


# --- settlements well above budget ----------------------------------------------------------


def settlement_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    budget = Coalesce(
        "project__approved_budget", "project__reviewed_budget", "project__budget_amount"
    )
    settlements = (
        Settlement.objects.filter(period.q("created_at"), project__in=projects)
        .filter(amount__gt=budget * (1 + SETTLEMENT_OVER_BUDGET))
        .select_related("project")
        .order_by("-id")
    )
    rows = []
    for settlement in settlements:
        approved = project_counting_budget(settlement.project)
        over = (settlement.amount - approved) / approved
        rows.append(
            Row(
                settlement.project,
                [
                    settlement.project.code,
                    settlement.project.name,
                    Yuan(approved),
                    Yuan(settlement.amount),
                    f"+{over * 100:.1f}%",
                ],
                _(
                    "结算 %(amount)s 元，超出审定预算 %(budget)s 元的 %(pct)s%%（阈值 %(threshold)s%%）。"
                )
                % {
                    "amount": format_yuan(settlement.amount),
                    "budget": format_yuan(approved),
                    "pct": f"{over * 100:.1f}",
                    "threshold": f"{SETTLEMENT_OVER_BUDGET * 100:.0f}",
                },
                project_links(settlement.project),
                over / SETTLEMENT_OVER_BUDGET,
            )
        )
    return rows


# --- duplicate photos -----------------------------------------------------------------------


def duplicate_photo_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    photos = (
        Photo.objects.filter(
            period.q("created_at"), project__in=projects, duplicate_of__isnull=False
        )
        .select_related("project", "uploaded_by", "duplicate_of", "duplicate_of__project")
        .order_by("-id")
    )
    rows = []
    for photo in photos:
        earlier = cast(Photo, photo.duplicate_of)  # duplicate_of__isnull=False
        rows.append(
            Row(
                photo.project,
                [
                    photo.project.code,
                    photo.project.name,
                    person_name(photo.uploaded_by),
                    f"{earlier.project.code} {earlier.project.name}",
                    photo.created_at.date(),
                ],
                _("与 %(date)s 上传到“%(project)s”的照片%(how)s（感知哈希）。")
                % {
                    "date": earlier.created_at.date(),
                    "project": earlier.project.name,
                    "how": photo.get_duplicate_how_display() or _("相同或近似"),
                },
                [
                    (_("本照片"), reverse("inspections:photo", args=[photo.pk])),
                    (_("此前的照片"), reverse("inspections:photo", args=[earlier.pk])),
                    *project_links(photo.project),
                ],
            )
        )
    return rows


# --- photo claims: where and when the photo says it was taken --------------------------------


def photo_claims(photo: Photo) -> list[str]:
    """What the photo's own data says against it, in words with the figures."""
    claims = []
    if photo.far_from_site and photo.distance_m is not None:
        claims.append(_("拍摄位置距项目 %(km)s 公里") % {"km": f"{photo.distance_m / 1000:.1f}"})
    if photo.time_mismatch and photo.time_offset_minutes is not None:
        hours = f"{abs(photo.time_offset_minutes) / 60:.0f}"
        claims.append(
            _("拍摄于上传前 %(hours)s 小时") % {"hours": hours}
            if photo.time_offset_minutes > 0
            else _("拍摄时间晚于上传 %(hours)s 小时") % {"hours": hours}
        )
    if photo.edited:
        claims.append(_("经“%(software)s”处理") % {"software": photo.software})
    return claims


def photo_claim_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    photos = (
        Photo.objects.filter(period.q("created_at"), project__in=projects)
        .filter(Q(far_from_site=True) | Q(time_mismatch=True) | Q(edited=True))
        .select_related("project", "uploaded_by")
        .order_by("-id")
    )
    rows = []
    for photo in photos:
        claims = photo_claims(photo)
        rows.append(
            Row(
                photo.project,
                [
                    photo.project.code,
                    photo.project.name,
                    person_name(photo.uploaded_by),
                    "；".join(claims),
                    photo.created_at.date(),
                ],
                _("照片自带的拍摄信息与现场记录不符：%(claims)s。") % {"claims": "；".join(claims)},
                [
                    (_("本照片"), reverse("inspections:photo", args=[photo.pk])),
                    *project_links(photo.project),
                ],
                _photo_claim_strength(photo),
            )
        )
    return rows


def _photo_claim_strength(photo: Photo) -> Decimal:
    """The larger of distance ÷ 1 km and offset ÷ 24 h; an edited file counts as at the threshold."""
    ratios = [Decimal(1)] if photo.edited else []
    if photo.far_from_site and photo.distance_m is not None:
        ratios.append(Decimal(photo.distance_m) / FAR_FROM_SITE_M)
    if photo.time_mismatch and photo.time_offset_minutes is not None:
        ratios.append(
            Decimal(abs(photo.time_offset_minutes)) / Decimal(TIME_MISMATCH / timedelta(minutes=1))
        )
    return max(ratios, default=Decimal(1))


# --- patrol-log gaps --------------------------------------------------------------------------


def patrol_gap_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    gaps = (
        PatrolViolation.objects.filter(
            period.q("day", is_date=True), project__in=projects, withdrawn_at__isnull=True
        )
        .values("project_id", "project__code", "project__name", "supervision_unit__name")
        .annotate(days=Count("id"), first=Min("day"), last=Max("day"))
        .order_by("-days", "project_id")
    )
    rows = []
    for gap in gaps:
        project = Project(
            pk=gap["project_id"], code=gap["project__code"], name=gap["project__name"]
        )
        rows.append(
            Row(
                project,
                [
                    gap["project__code"],
                    gap["project__name"],
                    gap["supervision_unit__name"],
                    gap["days"],
                    f"{gap['first']} — {gap['last']}",
                ],
                _("%(unit)s有 %(days)d 个工作日没有每日巡查记录（%(first)s 至 %(last)s）。")
                % {
                    "unit": gap["supervision_unit__name"],
                    "days": gap["days"],
                    "first": gap["first"],
                    "last": gap["last"],
                },
                project_links(project),
                Decimal(gap["days"]) / PATROL_GAP_DAYS,
            )
        )
    return rows


# --- rating campaigns ---------------------------------------------------------------------------


def rating_campaign_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    suspicious = Q(status__in=[RatingStatus.HELD, RatingStatus.REJECTED]) | ~Q(flags=[])
    per_flag = {flag: Count("id", filter=Q(flags__icontains=flag.value)) for flag in RatingFlag}
    groups = (
        Rating.objects.filter(suspicious, period.q("created_at"), project__in=projects)
        .values("project_id", "project__code", "project__name", "network")
        .annotate(
            n=Count("id"),
            held=Count("id", filter=Q(status=RatingStatus.HELD)),
            mean=Avg("score"),
            first=Min("created_at"),
            last=Max("created_at"),
            **{f"flag_{flag.value}": count for flag, count in per_flag.items()},
        )
        .filter(n__gte=CAMPAIGN_MIN_RATINGS)
        .order_by("-n", "project_id", "network")
    )
    rows = []
    for group in cast(Iterable[Mapping[str, Any]], groups):  # read by a flag's name
        project = Project(
            pk=group["project_id"], code=group["project__code"], name=group["project__name"]
        )
        flags = "、".join(
            f"{flag.label}×{group[f'flag_{flag.value}']}"
            for flag in RatingFlag
            if group[f"flag_{flag.value}"]
        )
        rows.append(
            Row(
                project,
                [
                    group["project__code"],
                    group["project__name"],
                    group["network"],
                    group["n"],
                    group["held"],
                    f"{group['mean']:.0f}",
                ],
                _(
                    "同一网络 %(network)s 在 %(first)s 至 %(last)s 提交 %(n)d 条可疑评价（%(flags)s），"
                    "平均 %(mean).0f 分。"
                )
                % {
                    "network": group["network"],
                    "n": group["n"],
                    "mean": group["mean"],
                    "first": timezone.localtime(group["first"]).strftime("%Y-%m-%d %H:%M"),
                    "last": timezone.localtime(group["last"]).strftime("%Y-%m-%d %H:%M"),
                    "flags": flags or _("待审核"),
                },
                project_links(project),
                Decimal(group["n"]) / CAMPAIGN_MIN_RATINGS,
            )
        )
    return rows


# --- change-order creep ------------------------------------------------------------------------


def _creep_row(group: Mapping[str, Any], share: Decimal, biggest: Decimal) -> Row:
    project = stand_in(group["project_id"], group["project__code"], group["project__name"])
    return Row(
        project,
        [
            group["project__code"],
            group["project__name"],
            _("化整变更"),
            Yuan(group["project__contract__amount"]),
            _("%(n)d 次，合计 %(share)s%%") % {"n": group["n"], "share": f"{share * 100:.1f}"},
        ],
        _(
            "%(n)d 次设计变更各自不超过合同额的%(threshold)s%%（最大 %(biggest)s%%），"
            "合计 %(total)s 元，占合同额 %(share)s%%，超过%(threshold)s%%。"
        )
        % {
            "n": group["n"],
            "threshold": f"{LARGE_CHANGE_SHARE * 100:.0f}",
            "biggest": f"{biggest * 100:.1f}",
            "total": format_yuan(group["total"]),
            "share": f"{share * 100:.1f}",
        },
        project_links(project),
        share / LARGE_CHANGE_SHARE,
    )


def change_creep_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[AnyRow]:
    """Changes that each stay under the 10% line and together pass it; and changes soon after a
    tender that bring the low winning bid up to the next bidder's price (低价中标、高价结算)."""
    rows: list[AnyRow] = []
    groups = (
        ChangeOrder.objects.filter(project__in=projects, status=ChangeStatus.APPROVED)
        .filter(project__in=ChangeOrder.objects.filter(period.q("created_at")).values("project_id"))
        .values("project_id", "project__code", "project__name", "project__contract__amount")
        .annotate(n=Count("id"), total=Sum("amount_delta"), biggest=Max(Abs("amount_delta")))
        .filter(n__gte=2)
        .order_by("project_id")
    )
    for group in cast(Iterable[Mapping[str, Any]], groups):
        contract = group["project__contract__amount"]
        if not contract:
            continue
        share, biggest = abs(group["total"]) / contract, group["biggest"] / contract
        if share <= LARGE_CHANGE_SHARE or biggest > LARGE_CHANGE_SHARE:
            continue
        rows.append(LazyRow(share / LARGE_CHANGE_SHARE, partial(_creep_row, group, share, biggest)))
    # 低价中标、高价结算: only tendered projects whose approved changes came within the window
    # after the contract are read further (values, not models, at 50,000 projects).
    soon_changes = ChangeOrder.objects.filter(
        project__in=projects,
        status=ChangeStatus.APPROVED,
        project__tender__isnull=False,
        created_at__lte=F("project__contract__created_at") + LOW_BID_WINDOW,
    ).order_by()
    soon = soon_changes.values("project_id").annotate(total=Sum("amount_delta"))
    raised = {row["project_id"]: row["total"] for row in soon}
    tendered = Tender.objects.filter(
        period.q("created_at"),
        project__in=soon_changes.values("project_id"),
        project__contract__isnull=False,
    )
    # the two lowest bids of each tender, as values
    lowest: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for tender_id, bidder_id, amount in (
        TenderBid.objects.filter(tender__in=tendered.values("id"))
        .order_by("tender_id", "amount", "id")
        .values_list("tender_id", "bidder_id", "amount")
    ):
        if len(lowest[tender_id]) < 2:
            lowest[tender_id].append((bidder_id, amount))
    hits = []
    for tender_id, project_id, code, name, winner_id, contract in tendered.order_by(
        "project_id"
    ).values_list(
        "id",
        "project_id",
        "project__code",
        "project__name",
        "winner_id",
        "project__contract__amount",
    ):
        bids = lowest.get(tender_id, [])
        if len(bids) < 2 or bids[0][0] != winner_id or project_id not in raised:
            continue
        now = contract + raised[project_id]
        if now >= bids[1][1]:
            hits.append((project_id, code, name, contract, now, bids))
    names = dict(
        Organisation.objects.filter(pk__in={b for h in hits for b, _a in h[5]}).values_list(
            "id", "name"
        )
    )
    rows.extend(LazyRow(hit[4] / hit[5][1][1], partial(_low_bid_row, *hit, names)) for hit in hits)
    return rows


def _low_bid_row(project_id, code, name, contract, now, bids, names) -> Row:
    project = stand_in(project_id, code, name)
    (winner, bid), (second, price) = bids
    return Row(
        project,
        [code, name, _("低价中标、高价结算"), Yuan(contract), Yuan(now)],
        _(
            "%(winner)s以最低价 %(bid)s 元中标，签约后 %(days)d 天内的设计变更使合同额达到 "
            "%(now)s 元，不低于第二名%(second)s的报价 %(price)s 元。"
        )
        % {
            "winner": names[winner],
            "bid": format_yuan(bid),
            "days": LOW_BID_WINDOW.days,
            "now": format_yuan(now),
            "second": names[second],
            "price": format_yuan(price),
        },
        project_links(project),
        now / price,
    )


# --- other flags raised by the approval services ----------------------------------------------


def other_flag_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    flags = (
        Flag.objects.filter(period.q("created_at"), project__in=projects)
        .exclude(kind__in=[FlagKind.SPLIT, *PHOTO_FLAGS])
        .select_related("project")
        .order_by("-id")
    )
    return [
        Row(
            flag.project,
            [flag.project.code, flag.project.name, flag.get_kind_display(), flag.created_at.date()],
            flag.summary,
            project_links(flag.project),
        )
        for flag in flags
    ]


def _rule(text: str, **params) -> Promise:
    """A rule's description with its thresholds, translated when shown."""
    return cast(Promise, lazy(lambda: gettext(text) % params, str)())


# Titles and columns are lazy: translated when shown, in the reader's language.
KINDS = {
    kind.slug: kind
    for kind in [
        Kind(
            "splits",
            gettext_lazy("疑似化整为零"),
            _rule(
                gettext_noop(
                    "同一街道%(days)d天内地点相近或名称相似、合计金额达到更高类别的项目（申报时由平台标记）。"
                ),
                days=WINDOW_DAYS,
            ),
            (
                gettext_lazy("街道"),
                gettext_lazy("项目"),
                gettext_lazy("申报人"),
                gettext_lazy("合计预算（元）"),
            ),
            split_rows,
        ),
        Kind(
            "contractor-share",
            gettext_lazy("施工单位承接比例异常"),
            _rule(
                gettext_noop(
                    "一家施工单位承接某街道合同金额%(share)s%%以上（至少%(won)d个合同，街道至少%(street)d个合同）。"
                ),
                share=f"{SHARE_THRESHOLD * 100:.0f}",
                won=SHARE_MIN_WON,
                street=SHARE_MIN_STREET_CONTRACTS,
            ),
            (
                gettext_lazy("街道"),
                gettext_lazy("施工单位"),
                gettext_lazy("承接/街道合同数"),
                gettext_lazy("承接金额（元）"),
                gettext_lazy("金额占比"),
            ),
            contractor_share_rows,
        ),
        Kind(
            "same-person",
            gettext_lazy("同一人申报与审批"),
            gettext_lazy(
                "项目申报人审批了本项目的环节，请款人审核或支付了本人的请款，变更申请人审批了本人的变更。"
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("人员"),
                gettext_lazy("事项"),
                gettext_lazy("又办理的环节"),
            ),
            same_person_rows,
        ),
        Kind(
            "payments",
            gettext_lazy("资金拨付异常"),
            gettext_lazy("验收前的结算款或质保金、验收前累计拨付超过已完工程量价值、特批支付。"),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("款项"),
                gettext_lazy("金额（元）"),
                gettext_lazy("状态/超出"),
            ),
            payment_rows,
        ),
        Kind(
            "settlements",
            gettext_lazy("结算明显超预算"),
            _rule(
                gettext_noop("结算金额超过审定预算%(pct)s%%以上。"),
                pct=f"{SETTLEMENT_OVER_BUDGET * 100:.0f}",
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("审定预算（元）"),
                gettext_lazy("结算金额（元）"),
                gettext_lazy("超出"),
            ),
            settlement_rows,
        ),
        Kind(
            "duplicate-photos",
            gettext_lazy("重复使用的照片"),
            gettext_lazy("与此前上传的照片（任何项目）相同或近似的现场照片。"),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("上传人"),
                gettext_lazy("此前照片所属项目"),
                gettext_lazy("上传日期"),
            ),
            duplicate_photo_rows,
        ),
        Kind(
            "photo-claims",
            gettext_lazy("照片拍摄地点或时间不符"),
            _rule(
                gettext_noop(
                    "照片自带的GPS位置距项目%(km)d公里以上、拍摄时间与上传相差%(hours)d小时以上，"
                    "或文件经图片编辑软件处理。"
                ),
                km=FAR_FROM_SITE_M // 1000,
                hours=TIME_MISMATCH // timedelta(hours=1),
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("上传人"),
                gettext_lazy("疑点"),
                gettext_lazy("上传日期"),
            ),
            photo_claim_rows,
        ),
        Kind(
            "patrol-gaps",
            gettext_lazy("巡查记录缺失"),
            gettext_lazy("施工期间的工作日没有监理每日巡查记录（夜间任务记录，补报后撤销）。"),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("监理单位"),
                gettext_lazy("缺失天数"),
                gettext_lazy("期间"),
            ),
            patrol_gap_rows,
        ),
        Kind(
            "rating-campaigns",
            gettext_lazy("疑似刷评"),
            _rule(
                gettext_noop("同一网络对同一项目提交%(n)d条以上被暂扣、不计入或带异常标记的评价。"),
                n=CAMPAIGN_MIN_RATINGS,
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("网络"),
                gettext_lazy("评价数"),
                gettext_lazy("待审核"),
                gettext_lazy("平均分"),
            ),
            rating_campaign_rows,
        ),
        Kind(
            "change-creep",
            gettext_lazy("设计变更蚕食"),
            _rule(
                gettext_noop(
                    "多次设计变更各自不超过合同额%(pct)s%%、合计超过；或以最低价中标后%(days)d天内的变更"
                    "使合同额达到第二名的报价。"
                ),
                pct=f"{LARGE_CHANGE_SHARE * 100:.0f}",
                days=LOW_BID_WINDOW.days,
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("类型"),
                gettext_lazy("合同金额（元）"),
                gettext_lazy("变更"),
            ),
            change_creep_rows,
        ),
        Kind(
            "progress-no-work",
            gettext_lazy("进度上升而现场无人施工"),
            gettext_lazy(
                "报送的完成百分比上升，但自上次报送（或开工）以来监理每日巡查记录没有一天现场有人施工"
                "（没有记录，或现场人数为0的停工日）。"
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("进度"),
                gettext_lazy("期间"),
            ),
            progress_without_work_rows,
        ),
        Kind(
            "payment-over-logs",
            gettext_lazy("请款工程量超出巡查记录"),
            _rule(
                gettext_noop(
                    "请款所报已完工程量价值超过巡查记录支撑的价值（合同额×有人施工天数/计划工作日）"
                    "%(pct)s%%以上。"
                ),
                pct=f"{LOG_MARGIN * 100:.0f}",
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("已完工程量价值（元）"),
                gettext_lazy("巡查记录支撑（元）"),
                gettext_lazy("施工天数/计划"),
            ),
            payment_over_logs_rows,
        ),
        Kind(
            "completion-few-days",
            gettext_lazy("完工而施工天数过少"),
            _rule(
                gettext_noop("申报完工时巡查记录的有人施工天数少于每万元合同额%(rate)s天。"),
                rate=f"{MIN_WORKED_DAYS_PER_10K:g}",
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("合同金额（元）"),
                gettext_lazy("施工天数"),
                gettext_lazy("最低天数"),
            ),
            completion_few_days_rows,
        ),
        Kind(
            "bid-together",
            gettext_lazy("围标：多次共同投标"),
            _rule(
                gettext_noop(
                    "两家单位共同投标%(n)d次以上，且占较少一方投标次数的%(share)s%%以上。"
                ),
                n=TOGETHER_MIN,
                share=f"{TOGETHER_SHARE * 100:.0f}",
            ),
            (
                gettext_lazy("单位"),
                gettext_lazy("单位"),
                gettext_lazy("共同投标次数"),
                gettext_lazy("占比"),
            ),
            together_rows,
        ),
        Kind(
            "bid-losers",
            gettext_lazy("陪标：总输给同一单位"),
            _rule(
                gettext_noop("一家单位投标%(n)d次以上，每次都输给同一单位，且从未中标。"),
                n=LOSSES_MIN,
            ),
            (gettext_lazy("陪标单位"), gettext_lazy("中标单位"), gettext_lazy("落标次数")),
            loser_rows,
        ),
        Kind(
            "bid-rotation",
            gettext_lazy("轮流中标"),
            _rule(
                gettext_noop("同一组单位共同投标%(n)d次以上，中标单位轮换、从未由同一家连续中标。"),
                n=ROTATION_MIN,
            ),
            (gettext_lazy("单位组"), gettext_lazy("投标次数"), gettext_lazy("中标顺序")),
            rotation_rows,
        ),
        Kind(
            "bid-prices",
            gettext_lazy("报价异常接近或成比例"),
            _rule(
                gettext_noop(
                    "同一项目两家报价相差不超过%(pct)s%%，或三家以上报价依次相差同一比例。"
                ),
                pct=f"{CLOSE_SHARE * 100:.1f}",
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("类型"),
                gettext_lazy("报价"),
            ),
            price_rows,
        ),
        Kind(
            "bid-identities",
            gettext_lazy("投标人身份信息相同"),
            gettext_lazy("同一项目的投标人有相同的法定代表人、电话、账号、地址或电子邮箱。"),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("投标人"),
                gettext_lazy("投标人"),
                gettext_lazy("相同的信息"),
            ),
            bidder_identity_rows,
        ),
        Kind(
            "shared-identities",
            gettext_lazy("单位身份信息相同"),
            gettext_lazy(
                "两家单位的法定代表人、联系电话、银行账号或注册地址相同（比较规范化后的值；"
                "只列期间内在筛选项目中签约、监理或投标的单位）。"
            ),
            (gettext_lazy("单位"), gettext_lazy("单位"), gettext_lazy("相同的信息")),
            shared_identity_rows,
        ),
        Kind(
            "supervision-ties",
            gettext_lazy("监理与施工单位关联"),
            gettext_lazy("监理单位与其监理项目的施工单位有相同的法定代表人、电话、账号或地址。"),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("施工单位"),
                gettext_lazy("监理单位"),
                gettext_lazy("相同的信息"),
            ),
            supervision_tie_rows,
        ),
        Kind(
            "awarder-ties",
            gettext_lazy("施工单位人员与发包街道人员关联"),
            gettext_lazy("施工单位名录人员、法定代表人或单位电话与发包街道工作人员的手机号相同。"),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("施工单位"),
                gettext_lazy("单位人员"),
                gettext_lazy("街道工作人员"),
            ),
            awarder_tie_rows,
        ),
        Kind(
            "certificate-lending",
            gettext_lazy("疑似挂证"),
            gettext_lazy(
                "同一人（证书编号相同，或姓名与电话相同）同时担任工期重叠的两个合同的项目经理、"
                "专职安全员或质检员。"
            ),
            (
                gettext_lazy("姓名"),
                gettext_lazy("证书/电话"),
                gettext_lazy("合同一"),
                gettext_lazy("合同二"),
                gettext_lazy("重叠期间"),
            ),
            certificate_lending_rows,
        ),
        Kind(
            "other-flags",
            gettext_lazy("其他预警标记"),
            _rule(
                gettext_noop("采购方式低于类别要求、累计设计变更超过合同额%(pct)s%%。"),
                pct=f"{LARGE_CHANGE_SHARE * 100:.0f}",
            ),
            (
                gettext_lazy("项目编号"),
                gettext_lazy("项目名称"),
                gettext_lazy("类型"),
                gettext_lazy("标记日期"),
            ),
            other_flag_rows,
        ),
    ]
}
