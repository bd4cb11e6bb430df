"""Writes of site supervision: patrol logs and their nightly check, progress reports, the ledger, spot checks and their plan,
lab tests and acceptance."""

import random
import secrets
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.choices import Role
from accounts.models import User
from core.audit import record_event
from core.dates import SHANGHAI, is_working_day, local_date
from core.errors import ConflictError
from core.signals import announce_project_changed
from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import access_project
from projects.rules import is_project_contractor, is_project_supervisor, is_street_staff_of

from .choices import ItemSource, ItemStatus
from .evidence import check_photos, photo_facts_for_audit, store_photos
from .models import (
    Acceptance,
    InspectionRound,
    LabTest,
    PatrolLog,
    PatrolViolation,
    ProgressReport,
    RectificationItem,
    SpotCheck,
    SpotCheckItem,
    SpotCheckPlan,
)
from .permissions import LEDGER_OPENERS, is_responsible_for, may_close_item
from .selectors import item_list

RESIDENT_REPRESENTATIVE = "resident_representative"


def _client_key(value, *, required: bool) -> uuid.UUID | None:
    if value in (None, ""):
        if required:
            raise ValidationError({"client_key": _("缺少记录编号，请刷新页面后重试。")})
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({"client_key": _("记录编号无效，请刷新页面后重试。")}) from None


def _replay(model, key, *, actor, project_id: int, author_field: str):
    """The entry already stored under this client key, or None. A phone resends what it is not
    sure arrived; the answer is the stored entry, never a second one."""
    if key is None:
        return None
    existing = model.objects.filter(client_key=key).first()
    if existing is None:
        return None
    if existing.project_id != project_id or getattr(existing, author_field) != actor.pk:
        raise ConflictError(_("该记录编号已被另一条记录使用，请刷新页面后重新填写。"))
    existing.replayed = True
    return existing


def _entry_start(
    model, client_key, *, required: bool, actor, project_id: int, author_field: str, allowed
):
    """(key, the entry already stored under it) for a resend; otherwise (key, None) once the
    actor is known to be allowed to write on the project."""
    key = _client_key(client_key, required=required)
    replayed = _replay(model, key, actor=actor, project_id=project_id, author_field=author_field)
    if replayed is None and not allowed(access_project(actor, project_id), actor):
        raise PermissionDenied
    return key, replayed


def _idempotent(model, key, *, actor, project_id, author_field, write):
    """Run write() once per client key, also when two sends of one entry race."""
    existing = _replay(model, key, actor=actor, project_id=project_id, author_field=author_field)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            entry = write()
    except IntegrityError:
        existing = _replay(
            model, key, actor=actor, project_id=project_id, author_field=author_field
        )
        if existing is None:
            raise
        return existing
    entry.replayed = False
    return entry


def progress_report(
    *, actor, project_id: int, percent, text: str, photos=(), client_key=None
) -> ProgressReport:
    """进度报送 by the project's contractor while work is under way; it sets the progress
    that the payment rules read. The result's `replayed` says whether it was stored before."""
    key, replayed = _entry_start(
        ProgressReport,
        client_key,
        required=False,
        actor=actor,
        project_id=project_id,
        author_field="reported_by_id",
        allowed=is_project_contractor,
    )
    if replayed is not None:
        return replayed
    try:
        value = Decimal(str(percent)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"percent": _("请填写 0–100 之间的完成百分比。")}) from None
    if not (0 <= value <= 100):
        raise ValidationError({"percent": _("请填写 0–100 之间的完成百分比。")})
    if not text.strip():
        raise ValidationError({"text": _("请填写进度说明。")})
    checked = check_photos(photos, required=False)

    def write():
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.IN_PROGRESS:
            raise ConflictError(_("只有施工中的项目可以报送进度。"))
        report = ProgressReport.objects.create(
            project=project, percent=value, text=text.strip(), reported_by=actor, client_key=key
        )
        stored = store_photos(
            actor=actor,
            project=project,
            photos=checked,
            uploaded_at=timezone.now(),
            progress_report=report,
        )
        before = {"reported_progress": project.reported_progress}
        project.reported_progress = value
        project.save(update_fields=["reported_progress", "updated_at"])
        record_event(
            actor=actor,
            verb="progress.reported",
            obj=project,
            before=before,
            after={
                "reported_progress": value,
                "text": report.text,
                "report": report.pk,
                "photos": photo_facts_for_audit(stored),
            },
        )
        return report

    return _idempotent(
        ProgressReport,
        key,
        actor=actor,
        project_id=project_id,
        author_field="reported_by_id",
        write=write,
    )


PATROL_LOG_MAX_AGE_DAYS = 7


def patrol_log_record(
    *,
    actor,
    project_id: int,
    client_key,
    log_date,
    weather: str,
    work_done: str,
    head_count,
    safety_notes: str = "",
    quality_notes: str = "",
    photos=(),
) -> PatrolLog:
    """每日巡查记录 by a site supervisor of the project's supervision unit while work is under
    way, with at least one photo. A log for a day the nightly job had marked as missing
    withdraws that mark. The result's `replayed` says whether it was stored before."""
    key, replayed = _entry_start(
        PatrolLog,
        client_key,
        required=True,
        actor=actor,
        project_id=project_id,
        author_field="supervisor_id",
        allowed=is_project_supervisor,
    )
    if replayed is not None:
        return replayed
    today = _today()
    errors = {}
    if isinstance(log_date, str):
        try:
            log_date = date.fromisoformat(log_date)
        except ValueError:
            log_date = None
    if log_date is None:
        errors["log_date"] = [_("请填写巡查日期。")]
    elif log_date > today or log_date < today - timedelta(days=PATROL_LOG_MAX_AGE_DAYS):
        errors["log_date"] = [
            _("巡查日期须在最近 %(days)s 天内，且不能晚于今天。")
            % {"days": PATROL_LOG_MAX_AGE_DAYS}
        ]
    if not weather.strip():
        errors["weather"] = [_("请填写天气。")]
    if not work_done.strip():
        errors["work_done"] = [_("请填写当日施工内容。")]
    try:
        head_count = int(str(head_count).strip())
        if not 0 <= head_count <= 10000:
            raise ValueError
    except ValueError:
        errors["head_count"] = [_("请填写 0–10000 之间的现场人数。")]
    if errors:
        raise ValidationError(errors)
    checked = check_photos(photos, required=True)

    def write():
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.IN_PROGRESS:
            raise ConflictError(_("只有施工中的项目可以填写巡查记录。"))
        log = PatrolLog.objects.create(
            project=project,
            supervision_unit_id=actor.organisation_id,
            supervisor=actor,
            log_date=log_date,
            weather=weather.strip(),
            work_done=work_done.strip(),
            head_count=head_count,
            safety_notes=safety_notes.strip(),
            quality_notes=quality_notes.strip(),
            client_key=key,
        )
        stored = store_photos(
            actor=actor, project=project, photos=checked, uploaded_at=timezone.now(), patrol_log=log
        )
        withdrawn = PatrolViolation.objects.filter(
            project=project, day=log_date, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now())
        record_event(
            actor=actor,
            verb="patrol_log.filed",
            obj=log,
            after={
                "project": project.pk,
                "log_date": log_date,
                "weather": log.weather,
                "work_done": log.work_done,
                "head_count": head_count,
                "safety_notes": log.safety_notes,
                "quality_notes": log.quality_notes,
                "photos": photo_facts_for_audit(stored),
                "violation_withdrawn": bool(withdrawn),
            },
        )
        return log

    return _idempotent(
        PatrolLog,
        key,
        actor=actor,
        project_id=project_id,
        author_field="supervisor_id",
        write=write,
    )


def record_missing_patrol_logs(day: date) -> list[PatrolViolation]:
    """For a working day, a violation against the supervision unit of every project that was
    under way all of that day (started before it) and has no patrol log for it. Re-running for
    the same day records nothing twice."""
    if not is_working_day(day):
        return []
    start_of_day = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    missing = (
        Project.objects.filter(
            status=ProjectStatus.IN_PROGRESS,
            supervision_unit__isnull=False,
            started_at__lt=start_of_day,
        )
        .exclude(patrol_logs__log_date=day)
        .exclude(patrol_violations__day=day)
        .values_list("pk", "supervision_unit_id")
    )
    recorded = []
    for project_id, unit_id in missing:
        with transaction.atomic():
            violation, created = PatrolViolation.objects.get_or_create(
                project_id=project_id, day=day, defaults={"supervision_unit_id": unit_id}
            )
            if created:
                record_event(
                    actor=None,
                    verb="patrol_log.missing",
                    obj=violation,
                    after={"project": project_id, "supervision_unit": unit_id, "day": day},
                )
                announce_project_changed(project_id)
                recorded.append(violation)
    return recorded


# --- the rectification ledger (问题台账) ------------------------------------------------


def _today():
    return local_date(timezone.now())


def item_open(
    *,
    actor,
    project_id: int | None,
    source: str,
    problem: str,
    responsible_organisation_id: int,
    deadline,
    standard: str,
    responsible_person: str = "",
    spot_check=None,
    inspection_round=None,
) -> RectificationItem:
    """Open a ledger item; `actor=None` only for items the platform itself opens."""
    errors = {}
    if not problem.strip():
        errors["problem"] = [_("请填写问题。")]
    if not standard.strip():
        errors["standard"] = [_("请填写整改标准。")]
    if deadline is None or deadline < _today():
        errors["deadline"] = [_("整改时限不能早于今天。")]
    if source not in ItemSource.values:
        errors["source"] = [_("请选择问题来源。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        project = (
            access_project(actor, project_id)
            if project_id and actor
            else (Project.objects.get(pk=project_id) if project_id else None)
        )
        if actor is not None and actor.role not in LEDGER_OPENERS:
            raise PermissionDenied
        item = RectificationItem.objects.create(
            project=project,
            source=source,
            problem=problem.strip(),
            responsible_organisation_id=responsible_organisation_id,
            responsible_person=responsible_person.strip(),
            deadline=deadline,
            standard=standard.strip(),
            opened_by=actor,
            opened_on=_today(),
            spot_check=spot_check,
            inspection_round=inspection_round,
        )
        announce_project_changed(project_id)
        record_event(
            actor=actor,
            verb="ledger.opened",
            obj=item,
            after={
                "project": project_id,
                "source": source,
                "problem": item.problem,
                "responsible_organisation": responsible_organisation_id,
                "deadline": deadline,
            },
        )
    return item


def _locked_item(actor, item_id: int) -> RectificationItem:
    item = item_list(user=actor).select_for_update(of=("self",)).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


def _item_step(actor, item_id, name, allowed, **kwargs) -> RectificationItem:
    with transaction.atomic():
        item = _locked_item(actor, item_id)
        if not allowed(item, actor):
            raise PermissionDenied
        method = getattr(item, name)
        if not can_proceed(method):
            raise ConflictError(
                _("该事项当前状态为“%(status)s”，不能执行此操作。")
                % {"status": item.get_status_display()}
            )
        before = {"item_status": item.status}
        method(**kwargs)
        item.save()
        if name == "close":
            announce_project_changed(item.project_id)
        record_event(
            actor=actor,
            verb=f"ledger.{name}",
            obj=item,
            before=before,
            after={
                "item_status": item.status,
                **{k: v for k, v in kwargs.items() if k == "evidence"},
            },
        )
    return item


def item_start(*, actor, item_id: int) -> RectificationItem:
    return _item_step(actor, item_id, "start", is_responsible_for)


def item_submit(*, actor, item_id: int, evidence: str) -> RectificationItem:
    if not evidence.strip():
        raise ValidationError({"evidence": _("请填写整改情况并提供佐证。")})
    return _item_step(
        actor,
        item_id,
        "submit_evidence",
        is_responsible_for,
        evidence=evidence.strip(),
        at=timezone.now(),
    )


def item_close(*, actor, item_id: int) -> RectificationItem:
    return _item_step(actor, item_id, "close", may_close_item, by=actor, at=timezone.now())


def item_send_back(*, actor, item_id: int, reason: str) -> RectificationItem:
    if not reason.strip():
        raise ValidationError({"reason": _("请说明退回整改的理由。")})
    return _item_step(actor, item_id, "send_back", may_close_item)


# --- quality spot checks and the monthly random plan ------------------------------------


def spot_check_record(
    *,
    actor,
    project_id: int,
    items: list[tuple[str, bool, str]],
    note: str = "",
    plan_id: int | None = None,
    photos=(),
) -> SpotCheck:
    """质量抽检 by the department, with photos; any failed item opens a ledger item for the
    contractor."""
    if not items or any(not name.strip() for name, _ok, _n in items):
        raise ValidationError({"items": _("请至少填写一个检查项。")})
    if actor.role != Role.DEPT_REVIEWER:
        raise PermissionDenied
    checked = check_photos(photos, required=False)
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if project.status not in (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED):
            raise ConflictError(_("只有施工中或待验收的项目可以抽检。"))
        check = SpotCheck.objects.create(
            project=project,
            inspector=actor,
            plan_id=plan_id,
            checked_on=_today(),
            passed=all(ok for _name, ok, _n in items),
            note=note.strip(),
        )
        SpotCheckItem.objects.bulk_create(
            SpotCheckItem(spot_check=check, name=name.strip(), passed=ok, note=n.strip())
            for name, ok, n in items
        )
        stored = store_photos(
            actor=actor,
            project=project,
            photos=checked,
            uploaded_at=timezone.now(),
            spot_check=check,
        )
        if check.passed:  # a failure opens a ledger item below, which asks for it
            announce_project_changed(project.pk)
        record_event(
            actor=actor,
            verb="spot_check.recorded",
            obj=project,
            after={
                "spot_check": check.pk,
                "passed": check.passed,
                "failed": [name for name, ok, _n in items if not ok],
                "photos": photo_facts_for_audit(stored),
            },
        )
    if not check.passed:
        failed = "；".join(f"{name}{f'（{n}）' if n else ''}" for name, ok, n in items if not ok)
        item_open(
            actor=None,
            project_id=project.pk,
            source=ItemSource.SPOT_CHECK,
            problem=_("质量抽检不合格：%(items)s") % {"items": failed},
            responsible_organisation_id=project.contractor_id,
            deadline=_today() + timedelta(days=settings.SPOT_CHECK_DEADLINE_DAYS),
            standard=_("按设计和规范整改，经复查合格"),
            spot_check=check,
        )
    return check


def draw_plan(projects: list, inspectors: list, seed: str, rates: dict) -> list[dict]:
    """The draw itself, a pure function of its inputs: the same seed gives the same plan."""
    rng = random.Random(seed)
    draws = []
    for project in sorted(projects, key=lambda p: p.pk):
        if rng.random() < rates.get(project.risk_colour, 0):
            inspector = rng.choice(sorted(inspectors, key=lambda u: u.pk)) if inspectors else None
            draws.append(
                {
                    "project": project.pk,
                    "risk_colour": project.risk_colour,
                    "inspector": inspector.pk if inspector else None,
                }
            )
    return draws


def plan_candidates():
    return (
        list(Project.objects.filter(status=ProjectStatus.IN_PROGRESS).only("pk", "risk_colour")),
        list(User.objects.filter(role=Role.DEPT_REVIEWER, is_active=True).only("pk")),
    )


def plan_create(*, actor, month: date, seed: str | None = None) -> SpotCheckPlan:
    """双随机 for a month: red projects always, yellow half, green a tenth (settings)."""
    if actor.role != Role.DEPT_REVIEWER:
        raise PermissionDenied
    seed = seed or secrets.token_hex(16)
    rates = dict(settings.SPOT_CHECK_RATES)
    with transaction.atomic():
        if SpotCheckPlan.objects.filter(month=month.replace(day=1)).exists():
            raise ConflictError(_("该月份的抽检计划已经生成。"))
        projects, inspectors = plan_candidates()
        plan = SpotCheckPlan.objects.create(
            month=month.replace(day=1),
            seed=seed,
            rates=rates,
            created_by=actor,
            draws=draw_plan(projects, inspectors, seed, rates),
        )
        record_event(
            actor=actor,
            verb="spot_check_plan.drawn",
            obj=plan,
            after={
                "seed": seed,
                "rates": rates,
                "draws": plan.draws,
                "candidates": [p.pk for p in projects],
                "inspectors": [u.pk for u in inspectors],
            },
        )
    return plan


# --- completion: lab test and acceptance ------------------------------------------------


def lab_test_record(
    *, actor, project_id: int, pass_rate, report_no: str, note: str = ""
) -> LabTest:
    try:
        rate = Decimal(str(pass_rate))
    except (InvalidOperation, ValueError):
        rate = None
    if rate is None or not (0 <= rate <= 100):
        raise ValidationError({"pass_rate": _("请填写 0–100 之间的合格率。")})
    if not report_no.strip():
        raise ValidationError({"report_no": _("请填写检测报告编号。")})
    if actor.role != Role.LAB:
        raise PermissionDenied
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.COMPLETED:
            raise ConflictError(_("施工单位申报完工后才能检测。"))
        test = LabTest.objects.create(
            project=project,
            lab_id=actor.organisation_id,
            tested_by=actor,
            pass_rate=rate,
            report_no=report_no.strip(),
            note=note.strip(),
        )
        record_event(
            actor=actor,
            verb="lab_test.recorded",
            obj=project,
            after={"pass_rate": rate, "report_no": test.report_no},
        )
    return test


def acceptance_record(
    *, actor, project_id: int, participants: list[dict], conclusion: str
) -> Acceptance:
    """竣工验收: refused while any ledger item is open or without a lab test; resident
    representatives take part."""
    people = [p for p in participants if str(p.get("name", "")).strip()]
    if not any(p.get("role") == RESIDENT_REPRESENTATIVE for p in people):
        raise ValidationError({"participants": _("验收须有居民代表参加。")})
    if not conclusion.strip():
        raise ValidationError({"conclusion": _("请填写验收结论。")})
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        if project.status != ProjectStatus.COMPLETED:
            raise ConflictError(_("施工单位申报完工后才能验收。"))
        if project.escalated_to:
            raise ConflictError(_("项目金额已升级到更高类别，须补齐该类别的审批后才能继续。"))
        if not LabTest.objects.filter(project=project).exists():
            raise ConflictError(_("尚无第三方检测结果，不能验收。"))
        open_items = (
            RectificationItem.objects.filter(project=project)
            .exclude(status=ItemStatus.CLOSED)
            .count()
        )
        if open_items:
            raise ConflictError(
                _("该项目还有 %(n)d 个整改事项未销号，不能验收。") % {"n": open_items},
                extra={"open_items": open_items},
            )
        acceptance = Acceptance.objects.create(
            project=project, participants=people, conclusion=conclusion.strip(), accepted_by=actor
        )
        before = {"status": project.status}
        project.accept(by=actor)
        project.status_changed_at = timezone.now()
        project.save()
        record_event(
            actor=actor,
            verb="project.accept",
            obj=project,
            before=before,
            after={
                "status": project.status,
                "participants": people,
                "conclusion": acceptance.conclusion,
            },
        )
    return acceptance


# --- inspection rounds (巡察) ------------------------------------------------------------


def round_create(*, actor, name: str, inspecting_body: str, started_on: date) -> InspectionRound:
    if actor.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    if not name.strip() or not inspecting_body.strip():
        raise ValidationError({"name": _("请填写巡察名称和巡察组。")})
    with transaction.atomic():
        inspection = InspectionRound.objects.create(
            name=name.strip(),
            inspecting_body=inspecting_body.strip(),
            started_on=started_on,
            created_by=actor,
        )
        record_event(
            actor=actor,
            verb="inspection_round.created",
            obj=inspection,
            after={"name": inspection.name, "inspecting_body": inspecting_body},
        )
    return inspection


def round_feedback(
    *,
    actor,
    round_id: int,
    problem: str,
    responsible_organisation_id: int,
    deadline: date,
    standard: str,
    responsible_person: str = "",
    project_id: int | None = None,
) -> RectificationItem:
    """A feedback item of the round: problem — responsibility — deadline (三张清单)."""
    if actor.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    inspection = InspectionRound.objects.filter(pk=round_id).first()
    if inspection is None:
        raise Http404
    return item_open(
        actor=actor,
        project_id=project_id,
        source=ItemSource.INSPECTION_ROUND,
        problem=problem,
        responsible_organisation_id=responsible_organisation_id,
        deadline=deadline,
        standard=standard,
        responsible_person=responsible_person,
        inspection_round=inspection,
    )


def round_close(*, actor, round_id: int, closing_summary: str) -> InspectionRound:
    if actor.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    if not closing_summary.strip():
        raise ValidationError({"closing_summary": _("请填写整改总结。")})
    with transaction.atomic():
        inspection = InspectionRound.objects.select_for_update().filter(pk=round_id).first()
        if inspection is None:
            raise Http404
        inspection.closing_summary = closing_summary.strip()
        inspection.save(update_fields=["closing_summary", "updated_at"])
        record_event(
            actor=actor,
            verb="inspection_round.summarised",
            obj=inspection,
            after={"closing_summary": inspection.closing_summary},
        )
    return inspection
