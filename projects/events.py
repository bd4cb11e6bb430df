"""The projects app's audit verbs (filing, transitions, funds) and the function that records
each; the services call these, never record_event itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import record_event
from core.events import EventField, plain, verbs

from .choices import PaymentStage, PaymentStatus, ProjectClass, StartItem


def _codes(value) -> str:
    return "、".join(plain(v) for v in value) if isinstance(value, list) else plain(value)


# The four deliberations of 四议两公开 in their order, each a date field of VillageDecision.
VILLAGE_MEETINGS = {
    "proposed_on": _("村党组织提议"),
    "discussed_on": _("村“两委”会议商议"),
    "party_meeting_on": _("党员大会审议"),
    "resolved_on": _("村民代表会议决议"),
}


@verbs(
    fields={
        "attachments": _("附件"),
        "sha256": _("文件摘要（SHA-256）"),
        "signed_by": _("签章单位"),
        "attachments_added": _("新增附件"),
        "budget_lines": EventField(
            _("预算明细"), show=lambda v: "；".join(f"{i} {a}" for i, a in v) if v else "—"
        ),
        "payment": EventField(_("拨付申请"), show=lambda v: f"#{v}"),
        "stage": EventField(_("款项类型"), choices=PaymentStage),
        "payment_status": EventField(_("支付状态"), choices=PaymentStatus),
        "payee_account": _("收款账号"),
        "invoice_code": _("发票代码"),
        "invoice_number": _("发票号码"),
        "invoice_amount": _("发票金额（价税合计）"),
        "invoice_sha256": _("发票文件哈希"),
        "override_reason": _("特批理由"),
        "paid_on": _("支付日期"),
        "voucher_no": _("凭证号"),
        "over_budget": _("超出审定预算"),
        "split_partners": EventField(_("疑似拆分的关联项目"), show=_codes),
        "split_group": EventField(_("关联项目组"), show=lambda v: "、".join(f"#{p}" for p in v)),
        "start_item": EventField(_("开工条件"), choices=StartItem),
        "project_class": EventField(_("项目分类"), choices=ProjectClass),
        "start_file": _("文件"),
        "start_reference": _("文号/编号"),
        "village": _("村（社区）"),
        "meetings": EventField(
            _("四议"),
            show=lambda v: (
                "；".join(f"{VILLAGE_MEETINGS.get(m[0], m[0])} {m[1]}" for m in v) if v else "—"
            ),
        ),
        "decision_published_on": _("决议公开日期"),
        "party_attended": _("党员大会到会人数"),
        "reps_attended": _("村民代表到会人数"),
        "votes_for": _("赞成票数"),
        "result_published_on": _("实施结果公开日期"),
        "photo": _("公开照片"),
        "audit_firm": _("审计单位"),
        "audit_report": _("审计报告"),
    }
)
class ProjectEvents(models.TextChoices):
    CREATED = "project.created", _("创建草稿")
    UPDATED = "project.updated", _("修改")
    BUDGET_LINES_SET = "project.budget_lines_set", _("填写预算明细")
    # One per transition a user fires by name (projects.services.transition_names); the
    # internal ones are recorded by the service that owns their evidence.
    SUBMIT = "project.submit", _("申报")
    FILE = "project.file", _("街道备案")
    CANCEL = "project.cancel", _("撤销")
    DEPT_APPROVE = "project.dept_approve", _("主管部门初审通过")
    EXPERT_APPROVE = "project.expert_approve", _("专家论证通过")
    FISCAL_APPROVE = "project.fiscal_approve", _("财政评审通过")
    DRC_FILE = "project.drc_file", _("发改局备案")
    DRC_APPROVE = "project.drc_approve", _("发改局立项")
    RETURN_FOR_REVISION = "project.return_for_revision", _("退回修改")
    RESUBMIT = "project.resubmit", _("重新提交")
    REJECT = "project.reject", _("不予立项")
    START_WORK = "project.start_work", _("开工")
    START_DOCUMENT = "project.start_document", _("上传开工条件文件")
    CLASS_SET = "project.class_set", _("调整项目分类")
    VILLAGE_DECISION = "project.village_decision", _("记录村级“四议两公开”决策")
    VILLAGE_RESULT = "project.village_result", _("村级实施结果公开")
    TRACKER_SET = "project.tracker_set", _("指定街道跟踪责任人")
    VILLAGE_SET = "project.village_set", _("指定项目所在村/社区")
    DECLARE_COMPLETE = "project.declare_complete", _("施工单位申报完工")
    SETTLED = "project.settled", _("结算")
    SETTLEMENT_REVIEW_ISSUED = "settlement.review_issued", _("出具结算审核意见书（电子签章）")
    PAYMENT_REQUESTED = "payment.requested", _("请款")
    PAYMENT_APPROVED = "payment.approved", _("财政审核通过")
    PAYMENT_RETURNED = "payment.returned", _("财政退回请款")
    PAYMENT_PAID = "payment.paid", _("支付")


# The verb of each transition fired by name; tests/test_events.py checks that every such
# transition of the Project model has one.
TRANSITION_VERBS = {
    "submit": ProjectEvents.SUBMIT,
    "file": ProjectEvents.FILE,
    "cancel": ProjectEvents.CANCEL,
    "dept_approve": ProjectEvents.DEPT_APPROVE,
    "expert_approve": ProjectEvents.EXPERT_APPROVE,
    "fiscal_approve": ProjectEvents.FISCAL_APPROVE,
    "drc_file": ProjectEvents.DRC_FILE,
    "drc_approve": ProjectEvents.DRC_APPROVE,
    "return_for_revision": ProjectEvents.RETURN_FOR_REVISION,
    "resubmit": ProjectEvents.RESUBMIT,
    "reject": ProjectEvents.REJECT,
    "start_work": ProjectEvents.START_WORK,
    "declare_complete": ProjectEvents.DECLARE_COMPLETE,
}


def project_class_set_event(*, actor, project, before: dict, after: dict, comment: str):
    return record_event(
        actor=actor,
        verb=ProjectEvents.CLASS_SET,
        obj=project,
        before=before,
        after=after,
        comment=comment,
    )


def start_document_recorded_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.START_DOCUMENT, obj=project, before=before, after=after
    )


def project_created_event(*, actor, project, after: dict):
    return record_event(actor=actor, verb=ProjectEvents.CREATED, obj=project, after=after)


def project_updated_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.UPDATED, obj=project, before=before, after=after
    )


def budget_lines_set_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.BUDGET_LINES_SET, obj=project, before=before, after=after
    )


def project_transitioned_event(
    *, actor, project, name: str, before: dict, after: dict, comment: str = ""
):
    return record_event(
        actor=actor,
        verb=TRANSITION_VERBS[name],
        obj=project,
        before=before,
        after=after,
        comment=comment,
    )


def project_settled_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.SETTLED, obj=project, before=before, after=after
    )


def settlement_review_issued_event(*, actor, project, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.SETTLEMENT_REVIEW_ISSUED, obj=project, after=after
    )


def payment_requested_event(*, actor, project, after: dict):
    return record_event(actor=actor, verb=ProjectEvents.PAYMENT_REQUESTED, obj=project, after=after)


def payment_approved_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.PAYMENT_APPROVED, obj=project, before=before, after=after
    )


def payment_returned_event(*, actor, project, before: dict, after: dict, comment: str):
    return record_event(
        actor=actor,
        verb=ProjectEvents.PAYMENT_RETURNED,
        obj=project,
        before=before,
        after=after,
        comment=comment,
    )


def payment_paid_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.PAYMENT_PAID, obj=project, before=before, after=after
    )


def village_decision_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.VILLAGE_DECISION, obj=project, before=before, after=after
    )


def village_result_event(*, actor, project, after: dict):
    return record_event(actor=actor, verb=ProjectEvents.VILLAGE_RESULT, obj=project, after=after)


def village_set_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.VILLAGE_SET, obj=project, before=before, after=after
    )


def tracker_set_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor, verb=ProjectEvents.TRACKER_SET, obj=project, before=before, after=after
    )
