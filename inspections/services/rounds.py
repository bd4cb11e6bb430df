"""Inspection rounds (巡察): open a round, feed back its findings, close it."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.errors import ConflictError

from ..choices import ItemSource, ItemStatus
from ..events import round_created_event, round_summarised_event
from ..models import (
    InspectionRound,
    RectificationItem,
)
from .ledger import item_open


def round_create(*, actor, name: str, inspecting_body: str, started_on: date) -> InspectionRound:
    if actor.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    if not name.strip() or not inspecting_body.strip():
        raise ValidationError({"name": _("请填写巡察名称和巡察组。")})
    with transaction.atomic(durable=True):
        inspection = InspectionRound.objects.create(
            name=name.strip(),
            inspecting_body=inspecting_body.strip(),
            started_on=started_on,
            created_by=actor,
        )
        round_created_event(
            actor=actor,
            inspection=inspection,
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
    with transaction.atomic(durable=True):
        inspection = InspectionRound.objects.select_for_update().filter(pk=round_id).first()
        if inspection is None:
            raise Http404
        still_open = inspection.items.exclude(status=ItemStatus.CLOSED).filter(
            carried_over_at__isnull=True
        )
        if still_open.exists():
            raise ConflictError(
                _("本轮巡察还有 %(n)s 个事项未销号也未结转，不能结束。") % {"n": still_open.count()}
            )
        inspection.closing_summary = closing_summary.strip()
        inspection.save(update_fields=["closing_summary", "updated_at"])
        round_summarised_event(
            actor=actor,
            inspection=inspection,
            after={"closing_summary": inspection.closing_summary},
        )
    return inspection
