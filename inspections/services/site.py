"""Site records: progress reports and daily patrol logs (idempotent by the client's key), and the nightly count of missing logs."""

import uuid
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import SHANGHAI, deadline_after_days, is_working_day, local_date
from core.errors import ConflictError
from core.signals import announce_project_changed
from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import access_project
from projects.rules import is_project_contractor, is_project_supervisor

from ..events import (
    patrol_log_filed_event,
    patrol_log_missing_event,
    progress_reported_event,
)
from ..evidence import (
    check_photos,
    check_videos,
    photo_facts_for_audit,
    store_photos,
    store_videos,
    video_facts_for_audit,
)
from ..models import (
    PatrolLog,
    PatrolViolation,
    ProgressReport,
)
from .ledger import _today

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
        with transaction.atomic(durable=True):
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
    *, actor, project_id: int, percent, text: str, photos=(), videos=(), client_key=None
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
    clips = check_videos(videos, on=_today())

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
        stored_videos = store_videos(
            actor=actor, project=project, videos=clips, progress_report=report
        )
        before = {"reported_progress": project.reported_progress}
        project.reported_progress = value
        project.save(update_fields=["reported_progress", "updated_at"])
        progress_reported_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "reported_progress": value,
                "text": report.text,
                "report": report.pk,
                "photos": photo_facts_for_audit(stored),
                "videos": video_facts_for_audit(stored_videos),
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


# A late log is taken for 7 days (to the next working day when the 7th is a rest day), so
# that a violation recorded before a holiday can still be withdrawn after it.
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
    videos=(),
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
    elif log_date > today or today > deadline_after_days(log_date, PATROL_LOG_MAX_AGE_DAYS):
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
    clips = check_videos(videos, on=today)

    def write():
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.IN_PROGRESS:
            raise ConflictError(_("只有施工中的项目可以填写巡查记录。"))
        started_on = local_date(project.started_at) if project.started_at else None
        if started_on is not None and log_date < started_on:
            raise ValidationError(
                {
                    "log_date": [
                        _("巡查日期不能早于项目开工日期（%(day)s）。")
                        % {"day": started_on.isoformat()}
                    ]
                }
            )
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
        stored_videos = store_videos(actor=actor, project=project, videos=clips, patrol_log=log)
        withdrawn = PatrolViolation.objects.filter(
            project=project, day=log_date, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now())
        patrol_log_filed_event(
            actor=actor,
            log=log,
            after={
                "project": project.pk,
                "log_date": log_date,
                "weather": log.weather,
                "work_done": log.work_done,
                "head_count": head_count,
                "safety_notes": log.safety_notes,
                "quality_notes": log.quality_notes,
                "photos": photo_facts_for_audit(stored),
                "videos": video_facts_for_audit(stored_videos),
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
        with transaction.atomic(durable=True):
            violation, created = PatrolViolation.objects.get_or_create(
                project_id=project_id, day=day, defaults={"supervision_unit_id": unit_id}
            )
            if created:
                patrol_log_missing_event(
                    violation=violation,
                    after={"project": project_id, "supervision_unit": unit_id, "day": day},
                )
                announce_project_changed(project_id)
                recorded.append(violation)
    return recorded
