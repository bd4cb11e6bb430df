"""The inspections app's audit verbs (site records, the ledger, spot checks, rounds,
acceptance) and the function that records each; the services call these, never record_event
itself."""

from django.db import models
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from core.audit import record_event
from core.events import EventField, verbs

from .choices import ItemSource, ItemStatus, RectificationMode


def _photos(value) -> str:
    photos = value if isinstance(value, list) else []
    text = gettext_now("%(n)s 张") % {"n": len(photos)}
    doubtful = sum(
        1
        for p in photos
        if isinstance(p, dict)
        and (p.get("duplicate_of") or p.get("time_mismatch") or p.get("far_from_site"))
    )
    if doubtful:
        text += gettext_now("（%(n)s 张存疑）") % {"n": doubtful}
    return text


def _people(value) -> str:
    rows = []
    for person in value if isinstance(value, list) else []:
        if not isinstance(person, dict):
            rows.append(str(person))
            continue
        where = person.get("organisation") or ""
        if person.get("role") == "resident_representative":
            where = gettext_now("居民代表") + (f"，{where}" if where else "")
        rows.append(f"{person.get('name', '')}（{where}）" if where else str(person.get("name")))
    return "、".join(rows)


def _id(value) -> str:
    return f"#{value}"


@verbs(
    fields={
        "photos": EventField(_("照片"), show=_photos),
        "videos": EventField(
            _("视频"),
            show=lambda v: gettext_now("%(n)s 段") % {"n": len(v) if isinstance(v, list) else 0},
        ),
        "sha256": _("文件摘要（SHA-256）"),
        "signed_by": _("签章单位"),
        "report": EventField(_("进度报送"), show=_id),
        "text": _("进度说明"),
        "violation_withdrawn": _("撤销的缺少巡查记录"),
        "item_status": EventField(_("整改状态"), choices=ItemStatus),
        "source": EventField(_("来源"), choices=ItemSource),
        "responsible_organisation": EventField(_("责任单位"), show=_id),
        "supervision_unit": EventField(_("监理单位"), show=_id),
        "ledger_item": EventField(_("问题台账"), show=_id),
        "spot_check": EventField(_("质量抽检"), show=_id),
        "passed": _("合格"),
        "failed": _("不合格项"),
        "pass_rate": _("合格率（%）"),
        "report_no": _("检测报告编号"),
        "participants": EventField(_("参加人员"), show=_people),
        "conclusion": _("验收结论"),
        "deadline": _("整改时限"),
        "inspecting_body": _("巡察组"),
        "candidates": EventField(_("候选项目"), show=lambda v: f"{len(v)}"),
        "inspectors": EventField(_("抽检人员"), show=lambda v: f"{len(v)}"),
        "mode": EventField(_("整改方式"), choices=RectificationMode),
        "stages": EventField(
            _("阶段目标"), show=lambda v: "；".join(f"{s['target']}（{s['due']}）" for s in v)
        ),
        "stage": _("阶段目标"),
        "due": _("完成时限"),
        "assessment": _("第三方评估意见"),
        "reason": _("理由"),
        "plan": EventField(_("抽检计划"), show=lambda v: f"#{v}" if v else "—"),
        "assigned": EventField(_("指派检查人"), show=lambda v: f"#{v}" if v else "—"),
        "seed": _("随机种子"),
        "rates": _("抽取比例"),
        "draws": EventField(_("抽中项目"), show=lambda v: f"{len(v)}"),
    }
)
class InspectionEvents(models.TextChoices):
    PROGRESS_REPORTED = "progress.reported", _("进度报送")
    PATROL_LOG_FILED = "patrol_log.filed", _("监理巡查日志")
    PATROL_LOG_MISSING = "patrol_log.missing", _("缺少巡查日志")
    LEDGER_OPENED = "ledger.opened", _("问题登记入台账")
    # One per step of a ledger item (RectificationItem's transitions).
    LEDGER_START = "ledger.start", _("开始整改")
    LEDGER_SUBMIT_EVIDENCE = "ledger.submit_evidence", _("提交整改佐证")
    LEDGER_CLOSE = "ledger.close", _("整改销号")
    LEDGER_SEND_BACK = "ledger.send_back", _("退回整改")
    LEDGER_STAGE_DONE = "ledger.stage_done", _("阶段目标完成")
    LEDGER_ASSESSED = "ledger.assessed", _("第三方评估")
    LEDGER_CARRIED_OVER = "ledger.carried_over", _("巡察事项结转")
    ROUND_CREATED = "inspection_round.created", _("开展巡察")
    ROUND_SUMMARISED = "inspection_round.summarised", _("巡察整改总结")
    SPOT_CHECK_RECORDED = "spot_check.recorded", _("质量抽检")
    SPOT_CHECK_PLAN_DRAWN = "spot_check_plan.drawn", _("抽取月度抽检计划")
    SPOT_CHECK_PLAN_ASSIGNED = "spot_check_plan.assigned", _("指派抽检人员")
    LAB_TEST_RECORDED = "lab_test.recorded", _("检测报告")
    PROJECT_ACCEPTED = "project.accept", _("竣工验收通过")
    ACCEPTANCE_CERTIFICATE_ISSUED = (
        "acceptance.certificate_issued",
        _("出具竣工验收证书（电子签章）"),
    )


LEDGER_STEP_VERBS = {
    "start": InspectionEvents.LEDGER_START,
    "submit_evidence": InspectionEvents.LEDGER_SUBMIT_EVIDENCE,
    "close": InspectionEvents.LEDGER_CLOSE,
    "send_back": InspectionEvents.LEDGER_SEND_BACK,
}


def progress_reported_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=InspectionEvents.PROGRESS_REPORTED,
        obj=project,
        before=before,
        after=after,
    )


def patrol_log_filed_event(*, actor, log, after: dict):
    return record_event(actor=actor, verb=InspectionEvents.PATROL_LOG_FILED, obj=log, after=after)


def patrol_log_missing_event(*, violation, after: dict):
    """Found by the nightly check: the platform is the actor."""
    return record_event(
        actor=None, verb=InspectionEvents.PATROL_LOG_MISSING, obj=violation, after=after
    )


def ledger_opened_event(*, actor, item, after: dict):
    return record_event(actor=actor, verb=InspectionEvents.LEDGER_OPENED, obj=item, after=after)


def ledger_step_event(*, actor, item, name: str, before: dict, after: dict):
    return record_event(
        actor=actor, verb=LEDGER_STEP_VERBS[name], obj=item, before=before, after=after
    )


def ledger_stage_done_event(*, actor, item, before: dict, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.LEDGER_STAGE_DONE, obj=item, before=before, after=after
    )


def ledger_assessed_event(*, actor, item, before: dict, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.LEDGER_ASSESSED, obj=item, before=before, after=after
    )


def ledger_carried_over_event(*, actor, item, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.LEDGER_CARRIED_OVER, obj=item, after=after
    )


def round_created_event(*, actor, inspection, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.ROUND_CREATED, obj=inspection, after=after
    )


def round_summarised_event(*, actor, inspection, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.ROUND_SUMMARISED, obj=inspection, after=after
    )


def spot_check_recorded_event(*, actor, project, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.SPOT_CHECK_RECORDED, obj=project, after=after
    )


def spot_check_plan_drawn_event(*, actor, plan, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.SPOT_CHECK_PLAN_DRAWN, obj=plan, after=after
    )


def spot_check_plan_assigned_event(*, actor, plan, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=InspectionEvents.SPOT_CHECK_PLAN_ASSIGNED,
        obj=plan,
        before=before,
        after=after,
    )


def lab_test_recorded_event(*, actor, project, after: dict):
    return record_event(
        actor=actor, verb=InspectionEvents.LAB_TEST_RECORDED, obj=project, after=after
    )


def project_accepted_event(*, actor, project, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=InspectionEvents.PROJECT_ACCEPTED,
        obj=project,
        before=before,
        after=after,
    )


def acceptance_certificate_issued_event(*, actor, project, after: dict):
    return record_event(
        actor=actor,
        verb=InspectionEvents.ACCEPTANCE_CERTIFICATE_ISSUED,
        obj=project,
        after=after,
    )


@verbs(
    fields={
        "observation": _("监督情况"),
        "photos": EventField(_("照片"), show=_photos),
        "ledger_item": EventField(_("问题台账"), show=_id),
        "responsible_organisation": EventField(_("责任单位"), show=_id),
        "deadline": _("整改时限"),
        "village": _("村/社区"),
        "signer": _("签字人"),
        "opinion": _("验收意见"),
        "signed_at": _("签字时间"),
    }
)
class VillageSupervisionEvents(models.TextChoices):
    """What a 村民监督员 does on a project of their village (docs/village-supervision.md); the
    object is the project, so that its timeline shows them."""

    OBSERVATION_RECORDED = "village.observation", _("村民监督员记录监督情况")
    OBSERVATION_ITEM_OPENED = "village.observation_item", _("村民监督员反映问题转入问题台账")
    ACCEPTANCE_SIGNED = "village.acceptance_signed", _("村民监督员作为居民代表验收签字")


def village_observation_event(*, actor, project, after: dict):
    return record_event(
        actor=actor, verb=VillageSupervisionEvents.OBSERVATION_RECORDED, obj=project, after=after
    )


def village_observation_item_event(*, actor, project, after: dict):
    return record_event(
        actor=actor,
        verb=VillageSupervisionEvents.OBSERVATION_ITEM_OPENED,
        obj=project,
        after=after,
    )


def acceptance_signed_event(*, actor, project, after: dict):
    return record_event(
        actor=actor, verb=VillageSupervisionEvents.ACCEPTANCE_SIGNED, obj=project, after=after
    )
