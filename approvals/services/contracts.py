"""Contracts filed after an award, with the staff they name."""

from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import OrganisationKind, StaffPosition
from accounts.models import CompanyStaff, Organisation
from core.errors import ConflictError
from core.money import parse_amount
from projects.choices import (
    ProjectStatus,
    StopStep,
)
from projects.contract_terms import RETENTION_DEFAULT, retention_rate_allowed
from projects.models import Contract, Project
from projects.permissions import access_project

from ..events import contract_filed_event
from ..permissions import (
    may_record_selection,
)
from .changes import _recheck_tier
from .procurement import _eligible_contractor, _id

CONTRACT_STAFF = {
    "project_manager": (StaffPosition.PROJECT_MANAGER, "contractor"),
    "safety_officer": (StaffPosition.SAFETY_OFFICER, "contractor"),
    "quality_inspector": (StaffPosition.QUALITY_INSPECTOR, "contractor"),
    "site_supervisor": (StaffPosition.SITE_SUPERVISOR, "supervision_unit"),
}


def contract_file(*, actor, project_id: int, data: dict[str, Any]) -> Contract:
    """合同备案: refused, naming what is missing, unless every required person is named."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not may_record_selection(project, actor):
            raise PermissionDenied
        refiling = project.stop_step == StopStep.CONTRACT
        if project.stopped_for and not refiling:
            raise ConflictError(project.stop_message())
        if (
            not refiling and project.status != ProjectStatus.PROCUREMENT
        ) or project.contractor_id is None:
            raise ConflictError(_("项目尚未确定施工单位，不能备案合同。"))
        # Awarded while in good standing is not enough: its credit may have changed since.
        _eligible_contractor(project.contractor_id)
        errors: dict[str, list[str]] = {}
        amount = None
        try:
            amount = parse_amount(data.get("amount"))
        except ValidationError as exc:
            errors["amount"] = exc.messages
        supervision = Organisation.objects.filter(
            pk=_id(data.get("supervision_unit")),  # type: ignore[misc]  # None matches no row
            kind=OrganisationKind.SUPERVISOR,
        ).first()
        if supervision is None:
            errors["supervision_unit"] = [_("请选择监理单位。")]
        elif not supervision.is_eligible:
            errors["supervision_unit"] = [_("该监理单位信用状态不允许承接项目。")]
        owners = {
            "contractor": project.contractor_id,
            "supervision_unit": supervision.pk if supervision else None,
        }
        staff = {}
        for field, (position, owner) in CONTRACT_STAFF.items():
            person = CompanyStaff.objects.filter(
                pk=_id(data.get(field)),  # type: ignore[misc]  # None (here or below) matches no row
                organisation_id=owners[owner],
                position=position,
                is_active=True,
            ).first()
            if person is None:
                errors[field] = [
                    _("缺少%(position)s：须由%(owner)s指定本单位在岗的%(position)s。")
                    % {
                        "position": position.label,
                        "owner": _("施工单位") if owner == "contractor" else _("监理单位"),
                    }
                ]
            staff[field] = person
        start, end = data.get("start_date"), data.get("end_date")
        if not start or not end:
            errors["start_date"] = [_("请填写合同工期。")]
        elif end < start:
            errors["end_date"] = [_("合同完工日期不能早于开工日期。")]
        rate = data.get("retention_rate", RETENTION_DEFAULT)
        if not retention_rate_allowed(rate):
            errors["retention_rate"] = [_("质保金比例不得超过3%（建质〔2017〕138号）。")]
        if errors:
            raise ValidationError(errors)
        # Each missing one has put its message in errors, raised above.
        assert supervision is not None and amount is not None and start and end
        terms = {
            "contractor_id": project.contractor_id,
            "supervision_unit": supervision,
            "amount": amount,
            "start_date": start,
            "end_date": end,
            "retention_rate": Decimal(str(rate)),
            "filed_by": actor,
            **staff,
        }
        before = {"status": project.status, "tier": project.tier}
        if refiling:
            contract = _refile(project, terms, before)
        else:
            contract = Contract.objects.create(project=project, **terms)
            project.file_contract(by=actor)
        project.supervision_unit = supervision
        project.status_changed_at = timezone.now()
        project.contract = contract
        _recheck_tier(project)
        project.save()
        contract_filed_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "status": project.status,
                "tier": project.tier,
                "amount": amount,
                "contractor": cast(Organisation, project.contractor).name,
                "supervision_unit": supervision.name,
                **{f: str(p) for f, p in staff.items()},
                "escalated_to": project.escalated_to,
                "stopped_for": project.stopped_for,
            },
        )
    return contract


def _refile(project: Project, terms: dict[str, Any], before: dict[str, Any]) -> Contract:
    """The contract that follows a re-procurement replaces the old one's terms (one contract
    per project; the payments made stay with it); the changes approved so far are in its new
    amount. The stop is lifted and the project resumes where it stopped."""
    contract = Contract.objects.select_for_update().get(project=project)
    before.update(
        {
            "amount": contract.amount,
            "changes_total": contract.approved_changes_total,
            "contractor": contract.contractor.name,
            "stopped_for": project.stopped_for,
        }
    )
    for field, value in terms.items():
        setattr(contract, field, value)
    contract.approved_changes_total = Decimal("0")
    contract.changes_from = timezone.now()
    contract.save()
    project.stopped_for = ""
    project.stop_step = ""
    project.stop_reason = ""
    project.stopped_at = None
    project.resume()
    return contract
