"""The duties a project's class adds (docs/rules.md §2): a C类 project's village decision
(四议两公开) and its outcome's publication, a B类 project's street-office tracker."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation, User
from core.dates import local_date
from core.errors import ConflictError
from core.uploads import check_documents

from ..choices import EDITABLE_STATUSES, ProjectClass, ProjectStatus
from ..events import (
    VILLAGE_MEETINGS,
    tracker_set_event,
    village_decision_event,
    village_result_event,
    village_set_event,
)
from ..models import Project, VillageDecision
from ..permissions import access_project
from ..rules import is_street_staff_of

COUNTS = ("party_attended", "party_total", "reps_attended", "reps_total", "votes_for")
DATES = (*VILLAGE_MEETINGS, "decision_published_on")
# Where the class's duties stop mattering: a project ended or past its settlement.
TRACKER_CLOSED = {
    ProjectStatus.REJECTED,
    ProjectStatus.CANCELLED,
    ProjectStatus.SETTLED,
    ProjectStatus.ARCHIVED,
}


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _count(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 10_000 else None


def _clean_decision(data: dict[str, Any]) -> dict[str, Any]:
    """The record's fields, or every error at once, each named by the rule it breaks."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {
        "village": str(data.get("village") or "").strip()[:100],
        "proposal": str(data.get("proposal") or "").strip(),
    }
    if not clean["village"]:
        errors["village"] = [_("请填写村（社区）名称。")]
    if not clean["proposal"]:
        errors["proposal"] = [_("请填写提议内容。")]
    for name in DATES:
        clean[name] = _date(data.get(name))
        if clean[name] is None:
            errors[name] = [_("请填写日期。")]
    for name in COUNTS:
        clean[name] = _count(data.get(name))
        if clean[name] is None:
            errors[name] = [_("请填写人数（0 或正整数）。")]
    if errors:
        raise ValidationError(errors)
    dates = [clean[name] for name in DATES]
    if dates != sorted(dates):
        errors["resolved_on"] = [_("“四议两公开”须依次进行：提议、商议、审议、决议，再公开决议。")]
    if clean["decision_published_on"] > local_date(timezone.now()):
        errors["decision_published_on"] = [_("决议公开日期不能晚于今天。")]
    if not (0 < clean["party_total"] < 2 * clean["party_attended"]):
        errors["party_attended"] = [_("党员大会须有过半数党员到会。")]
    if clean["party_attended"] > clean["party_total"]:
        errors["party_attended"] = [_("到会人数不能多于应到人数。")]
    # 村民委员会组织法 第二十五、二十六条: two thirds of the representatives present, more
    # than half of those present in favour.
    if not (0 < clean["reps_total"] and 3 * clean["reps_attended"] >= 2 * clean["reps_total"]):
        errors["reps_attended"] = [_("村民代表会议须有三分之二以上的村民代表到会。")]
    if clean["reps_attended"] > clean["reps_total"]:
        errors["reps_attended"] = [_("到会人数不能多于村民代表总数。")]
    if not 2 * clean["votes_for"] > clean["reps_attended"]:
        errors["votes_for"] = [_("决议须经到会村民代表过半数同意。")]
    if errors:
        raise ValidationError(errors)
    return clean


def village_of_street(street: Organisation, name: str) -> Organisation:
    """The street's village of this name, added when the street office names a new one (a
    decision recorded for a village not yet on the street's list). A name that another
    organisation holds is told apart by the street's name (names are unique district-wide)."""
    village = Organisation.objects.filter(
        kind=OrganisationKind.VILLAGE, parent=street, name__in=[name, f"{street.name}{name}"]
    ).first()
    if village is not None:
        return village
    if Organisation.objects.filter(name=name).exists():
        name = f"{street.name}{name}"[:200]
    return Organisation.objects.create(name=name, kind=OrganisationKind.VILLAGE, parent=street)


def _meetings(record: VillageDecision) -> list[tuple[str, str]]:
    return [(name, str(getattr(record, name))) for name in VILLAGE_MEETINGS]


def village_decision_record(
    *, actor, project_id: int, data: dict[str, Any], decision_photo=None
) -> VillageDecision:
    """The street office records a C类 project's 四议两公开 before filing it; while the project
    is a draft (or returned) a corrected record replaces the one on file."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        if project.project_class != ProjectClass.C:
            raise ConflictError(_("只有C类零星维修项目记录村级“四议两公开”决策。"))
        if project.status not in EDITABLE_STATUSES:
            raise ConflictError(_("项目申报后不能修改村级决策记录。"))
        clean = _clean_decision(data)
        record = VillageDecision.objects.filter(project=project).first()
        if decision_photo:
            check_documents([decision_photo])
        elif record is None or not record.decision_photo:
            raise ValidationError({"decision_photo": _("请上传决议公开的照片。")})
        village = village_of_street(project.street, clean.pop("village"))
        before = (
            {
                "village": record.village.name,
                "meetings": _meetings(record),
                "decision_published_on": record.decision_published_on,
            }
            if record
            else {}
        )
        record = record or VillageDecision(project=project, recorded_by=actor)
        for name, value in clean.items():
            setattr(record, name, value)
        record.village = village
        # The decision names the project's village: its supervisors follow the works.
        project.village = village
        project.save(update_fields=["village", "updated_at"])
        if decision_photo:
            record.decision_photo = decision_photo
        record.recorded_by = actor
        record.save()
        village_decision_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "village": village.name,
                "meetings": _meetings(record),
                "decision_published_on": record.decision_published_on,
                "party_attended": record.party_attended,
                "reps_attended": record.reps_attended,
                "votes_for": record.votes_for,
                "photo": Path(record.decision_photo.name or "").name,
            },
        )
    return record


def village_result_publish(*, actor, project_id: int, published_on, photo) -> VillageDecision:
    """两公开, the second: the outcome posted in the village after acceptance, with its photo;
    settlement waits for it (docs/rules.md §2)."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        record = VillageDecision.objects.select_for_update().filter(project=project).first()
        if record is None:
            raise ConflictError(_("该项目没有村级“四议两公开”记录。"))
        if project.status != ProjectStatus.ACCEPTED or project.accepted_at is None:
            raise ConflictError(_("竣工验收后、结算前公开实施结果。"))
        day = _date(published_on)
        if day is None:
            raise ValidationError({"result_published_on": _("请填写日期。")})
        if not local_date(project.accepted_at) <= day <= local_date(timezone.now()):
            raise ValidationError(
                {"result_published_on": _("实施结果公开日期须在验收之后、不晚于今天。")}
            )
        if not photo:
            raise ValidationError({"result_photo": _("请上传实施结果公开的照片。")})
        check_documents([photo])
        record.result_published_on = day
        record.result_photo = photo
        record.save(update_fields=["result_published_on", "result_photo", "updated_at"])
        village_result_event(
            actor=actor,
            project=project,
            after={"result_published_on": day, "photo": photo.name},
        )
    return record


def tracker_set(*, actor, project_id: int, tracker_id) -> Project:
    """The street office names who of its staff follows the works (B类 needs one to start)."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        if project.status in TRACKER_CLOSED:
            raise ConflictError(
                _("项目当前状态为“%(status)s”，不能指定跟踪责任人。")
                % {"status": project.get_status_display()}
            )
        try:
            tracker = User.objects.filter(
                pk=int(tracker_id),
                is_active=True,
                role=Role.STREET_STAFF,
                organisation_id=project.street_id,
            ).first()
        except (TypeError, ValueError):
            tracker = None
        if tracker is None:
            raise ValidationError({"tracker": _("请选择本街道的经办人员作为跟踪责任人。")})
        if tracker.pk == project.tracker_id:
            return project  # the same choice again: answered like the first
        before = {"tracker": str(project.tracker) if project.tracker_id else ""}
        project.tracker = tracker
        project.save(update_fields=["tracker", "updated_at"])
        tracker_set_event(
            actor=actor, project=project, before=before, after={"tracker": str(tracker)}
        )
    return project


# Once accepted, the residents' part (siting to acceptance) is over: the village is fixed.
VILLAGE_FIXED = {*TRACKER_CLOSED, ProjectStatus.ACCEPTED}


def project_village_set(*, actor, project_id: int, village_id) -> Project:
    """The street office says in which of its villages the works are, so that the village's
    村民监督员 follow them (docs/village-supervision.md). A C类 project's village is its
    village decision's and changes with it."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        if project.status in VILLAGE_FIXED:
            raise ConflictError(
                _("项目当前状态为“%(status)s”，不能再修改所在村（社区）。")
                % {"status": project.get_status_display()}
            )
        if VillageDecision.objects.filter(project=project).exists():
            raise ConflictError(_("C类项目的村（社区）以村级决策记录为准，请修改决策记录。"))
        number = _count(village_id)
        village = (
            Organisation.objects.filter(
                pk=number, kind=OrganisationKind.VILLAGE, parent_id=project.street_id
            ).first()
            if number is not None
            else None
        )
        if village is None:
            raise ValidationError({"village": _("请选择本街道的村（社区）。")})
        if village.pk == project.village_id:
            return project
        before = {"village": project.village.name if project.village else ""}
        project.village = village
        project.save(update_fields=["village", "updated_at"])
        village_set_event(
            actor=actor, project=project, before=before, after={"village": village.name}
        )
    return project
