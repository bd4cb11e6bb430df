"""The approvals app's audit verbs (procurement, contracts, changes, escalation, splits) and
the function that records each; the services call these, never record_event itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import StaffPosition
from core.audit import record_event
from core.events import EventField, plain, verbs

from .choices import ChangeStatus, LotteryParty

# How the steps of a route read when an escalation lists those still missing.
STEP_LABELS = {
    "dept": _("主管部门初审"),
    "expert": _("专家论证"),
    "fiscal": _("财政评审"),
    "drc": _("发改局审批"),
}


def _steps(value) -> str:
    steps = value if isinstance(value, list) else [value]
    return "、".join(str(STEP_LABELS.get(s, s)) for s in steps) or "—"


def _names(value) -> str:
    return "、".join(plain(e.get("name", e)) if isinstance(e, dict) else plain(e) for e in value)


def _bids(value) -> str:
    return "；".join(f"{b.get('bidder', '')} {b.get('amount', '')} 元" for b in value)


def _quotes(value) -> str:
    return "；".join(
        f"{q.get('supplier', '')} {q.get('amount', '')} 元 {q.get('score', '')} 分" for q in value
    )


@verbs(
    fields={
        "amount": _("合同金额（元）"),
        "shortlist": EventField(_("备选单位"), show=_names),
        "shortlist_codes": _("备选单位信用代码"),
        "seed": _("抽签种子"),
        "seed_hash": _("种子哈希"),
        "winner": _("中选单位"),
        "notice_date": _("招标公告日期"),
        "bids": EventField(_("投标"), show=_bids),
        "quotes": EventField(_("报价与得分"), show=_quotes),
        "panel": EventField(_("磋商小组成员"), show=_names),
        "agreement": _("定点采购名录"),
        **{name: StaffPosition(name).label for name in StaffPosition.values if name != "other"},
        "change": EventField(_("设计变更"), show=lambda v: f"#{v}"),
        "amount_delta": _("变更金额（元）"),
        "decision": EventField(_("审批结果"), choices=ChangeStatus),
        "changes_total": _("累计已批准变更（元）"),
        "step": EventField(_("补充审批环节"), show=_steps),
        "escalation_steps": EventField(_("待补审批"), show=_steps),
        "group": EventField(_("关联项目组"), show=lambda v: "、".join(f"#{p}" for p in v)),
        "partners": _("关联项目"),
        "party": EventField(_("参与方"), choices=LotteryParty),
        "commitment": _("承诺值（SHA-256）"),
        "reveal": _("揭示值"),
        "reveals": EventField(_("各方揭示值"), show=lambda v: "、".join(map(str, v))),
        "replaced": EventField(
            _("由平台替代的一方"),
            show=lambda v: "、".join(str(LotteryParty(p).label) for p in v) or "—",
        ),
        "reveal_by": _("揭示截止"),
        "extension": EventField(_("工期延期"), show=lambda v: f"#{v}"),
        "old_end": _("原计划完工"),
        "new_end": _("申请延至"),
        "planned_end": _("计划完工"),
    }
)
class ApprovalEvents(models.TextChoices):
    DIRECT_AWARD = "procurement.direct_award", _("直接委托")
    LOTTERY_SHORTLISTED = "procurement.lottery_shortlisted", _("记录备选单位，公示种子哈希")
    LOTTERY_COMMITTED = "procurement.lottery_committed", _("提交抽签承诺值")
    LOTTERY_REVEALED = "procurement.lottery_revealed", _("揭示抽签口令")
    LOTTERY_DRAWN = "procurement.lottery_drawn", _("抽签")
    TENDER_RECORDED = "procurement.tender_recorded", _("公开招标记录")
    CONSULTATION_RECORDED = "procurement.consultation_recorded", _("竞争性磋商记录")
    FRAMEWORK_ORDERED = "procurement.framework_ordered", _("定点采购")
    CONTRACT_FILED = "contract.filed", _("合同备案")
    CHANGE_REQUESTED = "change.requested", _("申请设计变更")
    CHANGE_DECIDED = "change.decided", _("设计变更审批")
    ESCALATION_APPROVED = "project.escalation_approved", _("补充审批通过")
    EXTENSION_REQUESTED = "schedule.extension_requested", _("申请工期延期")
    EXTENSION_DECIDED = "schedule.extension_decided", _("工期延期审批")
    # Only when the filing that found the split was refused: otherwise the split's facts are
    # part of that filing's own event.
    SPLIT_FLAGGED = "project.split_flagged", _("疑似化整为零")


def direct_award_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ApprovalEvents.DIRECT_AWARD, obj=project, before=before, after=after
    )


def lottery_shortlisted_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=ApprovalEvents.LOTTERY_SHORTLISTED,
        obj=project,
        before=before,
        after=after,
    )


def lottery_drawn_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ApprovalEvents.LOTTERY_DRAWN, obj=project, before=before, after=after
    )


def tender_recorded_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ApprovalEvents.TENDER_RECORDED, obj=project, before=before, after=after
    )


def consultation_recorded_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=ApprovalEvents.CONSULTATION_RECORDED,
        obj=project,
        before=before,
        after=after,
    )


def framework_ordered_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ApprovalEvents.FRAMEWORK_ORDERED, obj=project, before=before, after=after
    )


def contract_filed_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ApprovalEvents.CONTRACT_FILED, obj=project, before=before, after=after
    )


def change_requested_event(*, actor, project, after: dict):
    return record_event(actor=actor, verb=ApprovalEvents.CHANGE_REQUESTED, obj=project, after=after)


def change_decided_event(*, actor, project, before: dict, after: dict, comment: str = ""):
    return record_event(
        actor=actor,
        verb=ApprovalEvents.CHANGE_DECIDED,
        obj=project,
        before=before,
        after=after,
        comment=comment,
    )


def escalation_approved_event(*, actor, project, before: dict, after: dict, comment: str = ""):
    return record_event(
        actor=actor,
        verb=ApprovalEvents.ESCALATION_APPROVED,
        obj=project,
        before=before,
        after=after,
        comment=comment,
    )


def split_flagged_event(*, actor, project, after: dict):
    return record_event(actor=actor, verb=ApprovalEvents.SPLIT_FLAGGED, obj=project, after=after)


def extension_requested_event(*, actor, project, after: dict):
    return record_event(
        actor=actor, verb=ApprovalEvents.EXTENSION_REQUESTED, obj=project, after=after
    )


def extension_decided_event(*, actor, project, before: dict, after: dict, comment: str = ""):
    return record_event(
        actor=actor,
        verb=ApprovalEvents.EXTENSION_DECIDED,
        obj=project,
        before=before,
        after=after,
        comment=comment,
    )


def lottery_committed_event(*, actor, project, after: dict):
    return record_event(
        actor=actor, verb=ApprovalEvents.LOTTERY_COMMITTED, obj=project, after=after
    )


def lottery_revealed_event(*, actor, project, after: dict):
    return record_event(actor=actor, verb=ApprovalEvents.LOTTERY_REVEALED, obj=project, after=after)
