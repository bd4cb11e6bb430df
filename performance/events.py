"""The performance layer's audit verbs (scores, suspensions, credit, risk, warnings,
demonstration projects) and the function that records each; nothing else calls record_event.

The nightly jobs are batches: they record one event per company whose standing they change
(and one summary for the deductions, the risk colours and the warnings); a person's action
records one event, with the credit standing it changed among its facts."""

from django.db import models
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from core.audit import record_event
from core.events import EventField, verbs

from .choices import BlacklistRule, RedListEnd, SuspensionStatus


def _reasons(value) -> str:
    names = {
        "blacklisted": gettext_now("黑名单"),
        "suspended": gettext_now("暂停资格"),
        "patrol": gettext_now("缺少巡查记录"),
        "score": gettext_now("绩效分偏低"),
        "red_listed": gettext_now("守信红名单"),
    }
    return "、".join(
        str(names.get(str(r.get("code")), r.get("code"))) if isinstance(r, dict) else str(r)
        for r in (value if isinstance(value, list) else [value])
    )


def _ids(value) -> str:
    return "、".join(f"#{v}" for v in value) if isinstance(value, list) else f"#{value}"


def _count(value) -> str:
    return str(len(value)) if isinstance(value, list | dict) else str(value)


@verbs(
    fields={
        "projects": EventField(_("项目"), show=_ids),
        "scores": _("得分"),
        "suspension": EventField(_("暂停资格决定"), show=_ids),
        "quarters": _("季度"),
        "quarter": _("季度"),
        "starts_on": _("开始日期"),
        "ends_on": _("结束日期"),
        "status": EventField(_("状态"), choices=SuspensionStatus),
        "digest": _("评分摘要"),
        "weights": _("权重"),
        "scored": _("参评单位数"),
        "ranked": _("排名单位数"),
        "bottom": EventField(_("排名末位"), show=_ids),
        "suspended": EventField(_("暂停资格单位"), show=_ids),
        "final": EventField(
            _("季度结束后计算"),
            show=lambda v: gettext_now("是") if v else gettext_now("否（暂定）"),
        ),
        "reasons": EventField(_("原因"), show=_reasons),
        "on": _("日期"),
        "blacklisting": EventField(_("黑名单记录"), show=_ids),
        "rule": EventField(_("依据"), choices=BlacklistRule),
        "evidence": _("证据"),
        "lifted_on": _("移出日期"),
        "count": _("条数"),
        "points_by_company": EventField(_("各单位扣分"), show=_count),
        "causes": EventField(_("扣分事由"), show=_count),
        "changed": EventField(_("变化的项目数"), show=_count),
        "created": EventField(_("新增预警"), show=_count),
        "raised": _("升级预警"),
        "resolved": _("解除预警"),
        "open": _("现有预警"),
        "note": _("说明"),
        "sha256": _("文件摘要（SHA-256）"),
        "signed_by": _("签章单位"),
        "red_listing": EventField(_("守信红名单记录"), show=_ids),
        "red_listed": EventField(_("列入守信红名单单位"), show=_ids),
        "red_list_ended": EventField(_("移出守信红名单记录"), show=_ids),
        "grounds": _("理由"),
        "review_days": _("拨付审核时限（工作日）"),
        "because": EventField(_("移出原因"), choices=RedListEnd),
    }
)
class PerformanceEvents(models.TextChoices):
    SCORED = "performance.scored", _("季度绩效评分")
    SUSPENDED = "performance.suspended", _("暂停承接资格")
    SUSPENSION_WITHDRAWN = "performance.suspension_withdrawn", _("撤回暂停资格")
    SUSPENSION_APPEALED = "performance.suspension_appealed", _("暂停资格申诉")
    SUSPENSION_DECIDED = "performance.suspension_decided", _("暂停资格申诉复核")
    DEMONSTRATION_PROPOSED = "performance.demonstration_proposed", _("拟定示范项目")
    DEMONSTRATION_DECIDED = "performance.demonstration_decided", _("评定示范项目")
    CREDIT_STATUS_CHANGED = "credit.status_changed", _("信用状态变更")
    BLACKLISTED = "credit.blacklisted", _("列入黑名单")
    BLACKLIST_LIFTED = "credit.blacklist_lifted", _("黑名单期满移出")
    DEDUCTIONS_RECORDED = "credit.deductions_recorded", _("信用扣分")
    RED_LISTED = "credit.red_listed", _("列入守信红名单")
    RED_LIST_REMOVED = "credit.red_list_removed", _("移出守信红名单")
    RED_LIST_EXPIRED = "credit.red_list_expired", _("守信红名单期满")
    RED_LIST_WITHDRAWN = "credit.red_list_withdrawn", _("撤回守信红名单（重算）")
    RISK_RECOMPUTED = "risk.recomputed", _("风险等级重算")
    WARNINGS_REFRESHED = "warnings.refreshed", _("预警更新")
    REPORT_ISSUED = "performance.report_issued", _("出具季度绩效报告（电子签章）")


def report_issued_event(*, actor, period, after: dict):
    return record_event(actor=actor, verb=PerformanceEvents.REPORT_ISSUED, obj=period, after=after)


def scored_event(*, actor, period, before: dict, after: dict):
    return record_event(
        actor=actor, verb=PerformanceEvents.SCORED, obj=period, before=before, after=after
    )


def suspended_event(*, actor, organisation, after: dict):
    return record_event(
        actor=actor, verb=PerformanceEvents.SUSPENDED, obj=organisation, before={}, after=after
    )


def suspension_withdrawn_event(*, actor, organisation, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.SUSPENSION_WITHDRAWN,
        obj=organisation,
        before=before,
        after=after,
    )


def suspension_appealed_event(*, actor, organisation, before: dict, after: dict, comment: str):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.SUSPENSION_APPEALED,
        obj=organisation,
        before=before,
        after=after,
        comment=comment,
    )


def suspension_decided_event(*, actor, organisation, before: dict, after: dict, comment: str):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.SUSPENSION_DECIDED,
        obj=organisation,
        before=before,
        after=after,
        comment=comment,
    )


def demonstration_decided_event(*, actor, year: int, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.DEMONSTRATION_DECIDED,
        object_type="performance.demonstrationproposal",
        object_id=str(year),
        after=after,
    )


def demonstration_proposed_event(*, actor, year: int, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.DEMONSTRATION_PROPOSED,
        object_type="performance.demonstrationproposal",
        object_id=str(year),
        before=before,
        after=after,
    )


def credit_status_changed_event(*, actor, organisation, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.CREDIT_STATUS_CHANGED,
        obj=organisation,
        before=before,
        after=after,
    )


def blacklisted_event(*, actor, organisation, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.BLACKLISTED,
        obj=organisation,
        before=before,
        after=after,
    )


def blacklist_lifted_event(*, actor, organisation, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.BLACKLIST_LIFTED,
        obj=organisation,
        before=before,
        after=after,
    )


def red_listed_event(*, actor, organisation, after: dict):
    return record_event(
        actor=actor, verb=PerformanceEvents.RED_LISTED, obj=organisation, before={}, after=after
    )


def red_list_removed_event(*, actor, organisation, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.RED_LIST_REMOVED,
        obj=organisation,
        before=before,
        after=after,
    )


def red_list_expired_event(*, actor, organisation, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.RED_LIST_EXPIRED,
        obj=organisation,
        before=before,
        after=after,
    )


def red_list_withdrawn_event(*, actor, organisation, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.RED_LIST_WITHDRAWN,
        obj=organisation,
        before=before,
        after=after,
    )


def deductions_recorded_event(*, actor, day, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.DEDUCTIONS_RECORDED,
        object_type="performance.creditdeduction",
        object_id=day.isoformat(),
        after=after,
    )


def risk_recomputed_event(*, actor, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.RISK_RECOMPUTED,
        object_type="projects.project",
        object_id="risk",
        before={},
        after=after,
    )


def warnings_refreshed_event(*, actor, day, after: dict):
    return record_event(
        actor=actor,
        verb=PerformanceEvents.WARNINGS_REFRESHED,
        object_type="performance.warning",
        object_id=day.isoformat(),
        after=after,
    )
