"""The dashboards' audit verbs (officers' reads, re-verifying the chain, generated demo
projects) and the function that records each; nothing else calls record_event."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import record_event
from core.events import EventField, plain, verbs


@verbs(
    fields={
        "page": _("页面"),
        "path": _("地址"),
        "filters": EventField(_("筛选条件"), show=plain),
        "intact": _("链完整"),
        "head_seq": _("链头序号"),
        "hash": _("链头哈希"),
        "broken_seq": _("首个损坏事件"),
        "count": _("数量"),
        "reference": _("线索编号"),
        "kind": _("异常类型"),
        "why": _("异常原因"),
        "evidence": EventField(_("证据"), show=plain),
        "status": _("状态"),
        "assigned_to": _("承办人"),
        "due_on": _("初核期限"),
        "text": _("记录"),
        "reason": _("处理理由"),
    },
    # What discipline officers read and follow up is never shown to the audited parties.
    audience={
        "discipline.read": "discipline",
        "lead.opened": "discipline",
        "lead.noted": "discipline",
        "lead.assigned": "discipline",
        "lead.decided": "discipline",
    },
    # Recorded on the read chains: a discipline officer's reading never waits behind writes.
    reads=["discipline.read"],
)
class DashboardEvents(models.TextChoices):
    DISCIPLINE_READ = "discipline.read", _("纪检监察查阅")
    CHAIN_VERIFIED = "audit.chain_verified", _("校验审计链")
    BULK_GENERATED = "project.bulk_generated", _("批量生成演示项目")
    LEAD_OPENED = "lead.opened", _("线索建立")
    LEAD_NOTED = "lead.noted", _("线索记录")
    LEAD_ASSIGNED = "lead.assigned", _("指定线索承办人")
    LEAD_DECIDED = "lead.decided", _("线索处理")


def discipline_read_event(*, actor, page: str, path: str, filters: dict, obj=None):
    """The object read, or the page (with its filters) when the read is of a list."""
    return record_event(
        actor=actor,
        verb=DashboardEvents.DISCIPLINE_READ,
        obj=obj,
        object_type="" if obj is not None else "dashboards.page",
        object_id="" if obj is not None else page,
        after={"page": page, "path": path, "filters": filters},
    )


def chain_verified_event(*, actor, head):
    return record_event(
        actor=actor,
        verb=DashboardEvents.CHAIN_VERIFIED,
        obj=head,
        after={
            "intact": head.intact,
            "count": head.count,
            "hash": head.hash,
            "broken_seq": head.broken_ref,
        },
    )


def projects_generated_event(*, count: int):
    return record_event(
        actor=None,
        verb=DashboardEvents.BULK_GENERATED,
        object_type="projects.project",
        object_id="bulk",
        after={"count": count},
        comment="seed_demo --projects",
    )


def lead_opened_event(*, actor, lead):
    return record_event(
        actor=actor,
        verb=DashboardEvents.LEAD_OPENED,
        obj=lead,
        after={
            "reference": lead.reference,
            "kind": lead.kind,
            "why": lead.why,
            "evidence": lead.evidence,
            "status": lead.status,
            "due_on": lead.due_on.isoformat(),
        },
    )


def lead_noted_event(*, actor, lead, note):
    return record_event(
        actor=actor, verb=DashboardEvents.LEAD_NOTED, obj=lead, after={"text": note.text}
    )


def lead_assigned_event(*, actor, lead, before_id):
    return record_event(
        actor=actor,
        verb=DashboardEvents.LEAD_ASSIGNED,
        obj=lead,
        before={"assigned_to": before_id},
        after={"assigned_to": lead.assigned_to_id},
    )


def lead_decided_event(*, actor, lead, before_status: str):
    return record_event(
        actor=actor,
        verb=DashboardEvents.LEAD_DECIDED,
        obj=lead,
        before={"status": before_status},
        after={"status": lead.status, "reason": lead.outcome_reason},
    )
