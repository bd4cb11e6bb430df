"""Completion: the third-party lab test, the acceptance (竣工验收) and its signed certificate."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import VillageSupervisor
from core.errors import ConflictError
from core.signing import issue_signed
from projects.choices import ProjectStatus
from projects.permissions import access_project
from projects.rules import is_street_staff_of

from ..documents import acceptance_certificate_pdf
from ..events import (
    acceptance_certificate_issued_event,
    lab_test_recorded_event,
    project_accepted_event,
)
from ..ledger import open_item_count
from ..models import (
    Acceptance,
    AcceptanceSignature,
    LabTest,
)
from .site import RESIDENT_REPRESENTATIVE


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
    with transaction.atomic(durable=True):
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
        lab_test_recorded_event(
            actor=actor,
            project=project,
            after={"pass_rate": rate, "report_no": test.report_no},
        )
    return test


def village_has_supervisors(village_id: int | None) -> bool:
    """Whether a village has a 村民监督员 in office: then its projects' acceptance needs one's
    signature (docs/village-supervision.md)."""
    return bool(village_id) and (
        VillageSupervisor.objects.filter(village_id=village_id, ended_at__isnull=True).exists()
    )


def acceptance_record(
    *, actor, project_id: int, participants: list[dict], conclusion: str
) -> Acceptance:
    """竣工验收: refused while any ledger item is open or without a lab test; resident
    representatives take part. Where the project's village has a 村民监督员 in office, one of
    them must have signed (acceptance_sign) and the signatures join the record; elsewhere the
    resident representatives are named in free text (docs/village-supervision.md)."""
    people = [p for p in participants if str(p.get("name", "")).strip()]
    if not conclusion.strip():
        raise ValidationError({"conclusion": _("请填写验收结论。")})
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        signatures = list(
            AcceptanceSignature.objects.filter(project=project, acceptance__isnull=True)
            .select_related("signer", "village")
            .order_by("created_at")
        )
        if not signatures and village_has_supervisors(project.village_id):
            raise ConflictError(
                _("该项目所在村（社区）有村民监督员，须由村民监督员作为居民代表签字后才能验收。")
            )
        people += [
            {
                "name": str(s.signer),
                "organisation": s.village.name,
                "role": RESIDENT_REPRESENTATIVE,
                "signed_at": s.created_at.isoformat(),
                "village_supervisor": True,
            }
            for s in signatures
        ]
        if not any(p.get("role") == RESIDENT_REPRESENTATIVE for p in people):
            raise ValidationError({"participants": _("验收须有居民代表参加。")})
        if project.status != ProjectStatus.COMPLETED:
            raise ConflictError(_("施工单位申报完工后才能验收。"))
        if project.escalated_to:
            raise ConflictError(_("项目金额已升级到更高类别，须补齐该类别的审批后才能继续。"))
        if not LabTest.objects.filter(project=project).exists():
            raise ConflictError(_("尚无第三方检测结果，不能验收。"))
        open_items = open_item_count(project)
        if open_items:
            raise ConflictError(
                _("该项目还有 %(n)d 个整改事项未销号，不能验收。") % {"n": open_items},
                extra={"open_items": open_items},
            )
        acceptance = Acceptance.objects.create(
            project=project, participants=people, conclusion=conclusion.strip(), accepted_by=actor
        )
        AcceptanceSignature.objects.filter(pk__in=[s.pk for s in signatures]).update(
            acceptance=acceptance
        )
        before = {"status": project.status}
        project.accept(by=actor)
        project.status_changed_at = timezone.now()
        project.save()
        project_accepted_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "status": project.status,
                "participants": people,
                "conclusion": acceptance.conclusion,
            },
        )
    return acceptance


def acceptance_certificate_issue(*, actor, project_id: int) -> bytes:
    """竣工验收证书 as a PDF signed (PAdES) with the key of the organisation that accepted the
    project, for anyone who may see the project; each copy issued is an audit event with its
    SHA-256, so that a copy shown later can be matched with its issue."""
    project = access_project(actor, project_id)
    acceptance = (
        Acceptance.objects.filter(project=project)
        .select_related("accepted_by__organisation")
        .first()
    )
    if acceptance is None:
        raise Http404
    signed, copy = issue_signed(
        acceptance_certificate_pdf(
            acceptance=acceptance,
            project=project,
            lab_test=LabTest.objects.filter(project=project).select_related("lab").first(),
            issued_at=timezone.now(),
        ),
        organisation=acceptance.accepted_by.organisation,
        reason=_("竣工验收证书 %(code)s") % {"code": project.code or project.pk},
    )
    with transaction.atomic(durable=True):
        acceptance_certificate_issued_event(actor=actor, project=project, after=copy)
    return signed
