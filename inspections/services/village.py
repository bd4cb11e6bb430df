"""What a 村民监督员 does on the phone (docs/village-supervision.md): record an observation with
photos (idempotent by the phone's key), turn one into a ledger item addressed to the party
responsible, and sign the acceptance as the residents' representative."""

from typing import cast
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.dates import deadline_after_days
from core.errors import ConflictError
from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import access_village_project

from ..choices import ItemSource
from ..events import (
    acceptance_signed_event,
    village_observation_event,
    village_observation_item_event,
)
from ..evidence import check_photos, photo_facts_for_audit, store_photos
from ..ledger import open_item_count
from ..models import AcceptanceSignature, RectificationItem, VillageObservation
from .ledger import _today, item_add
from .site import _client_key

# An observation's item is answered like a resident's report (ratings: REPORT_DEADLINE_DAYS).
OBSERVATION_DEADLINE_DAYS = 10
# Once a project is closed or refused, there is nothing left to watch or rectify.
WATCH_CLOSED = {ProjectStatus.ARCHIVED, ProjectStatus.REJECTED, ProjectStatus.CANCELLED}
# Whoever is on site answers for what a supervisor sees there; before a contract, the street.
_CONTRACTOR_ANSWERS = {
    ProjectStatus.CONTRACTED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.SUSPENDED,
    ProjectStatus.COMPLETED,
    ProjectStatus.ACCEPTED,
    ProjectStatus.SETTLED,
}


def responsible_for(project: Project) -> int:
    """The organisation a village supervisor's item is addressed to."""
    if project.contractor_id and project.status in _CONTRACTOR_ANSWERS:
        return project.contractor_id
    return project.street_id


def _open_item(actor, project: Project, observation: VillageObservation) -> RectificationItem:
    item = item_add(
        actor=actor,
        project_id=project.pk,
        project=project,
        source=ItemSource.VILLAGE_SUPERVISOR,
        problem=observation.text,
        responsible_organisation_id=responsible_for(project),
        deadline=deadline_after_days(_today(), OBSERVATION_DEADLINE_DAYS),
        standard=_("按村民监督员反映的问题整改到位，由街道核实后销号。"),
    )
    observation.ledger_item = item
    observation.save(update_fields=["ledger_item", "updated_at"])
    return item


def _item_facts(item: RectificationItem) -> dict:
    return {
        "ledger_item": item.pk,
        "responsible_organisation": item.responsible_organisation_id,
        "deadline": item.deadline,
    }


def _stored(key, actor, project_id: int) -> VillageObservation | None:
    existing = VillageObservation.objects.filter(client_key=key).first()
    if existing is None:
        return None
    if existing.project_id != int(project_id) or existing.author_id != actor.pk:
        raise ConflictError(_("该记录编号已被另一条记录使用，请刷新页面后重新填写。"))
    existing.replayed = True  # type: ignore[attr-defined]
    return existing


def village_observation_record(
    *, actor, project_id: int, client_key, text: str, photos=(), open_item: bool = False
) -> VillageObservation:
    """A 村民监督员 records what they saw on a project of their village, with photos (checked and
    stored as patrol-log photos are); with `open_item` the observation also opens a ledger item
    (source 村民监督员) addressed to the party responsible. A resend of the same key answers
    with the observation on file (its `replayed` says so)."""
    key = cast(UUID, _client_key(client_key, required=True))  # required: never None
    access_village_project(actor, project_id)  # 404 before anything else for other villages
    replayed = _stored(key, actor, project_id)
    if replayed is not None:
        return replayed
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("请填写看到的情况。")})
    checked = check_photos(photos, required=False)
    try:
        with transaction.atomic(durable=True):
            project = access_village_project(actor, project_id, for_update=True)
            if project.status in WATCH_CLOSED:
                raise ConflictError(_("该项目已结束，不再记录监督情况。"))
            observation = VillageObservation.objects.create(
                project=project,
                village_id=actor.organisation_id,
                author=actor,
                text=text,
                client_key=key,
            )
            stored = store_photos(
                actor=actor,
                project=project,
                photos=checked,
                uploaded_at=timezone.now(),
                village_observation=observation,
            )
            after = {"observation": text, "photos": photo_facts_for_audit(stored)}
            if open_item:
                after.update(_item_facts(_open_item(actor, project, observation)))
            village_observation_event(actor=actor, project=project, after=after)
    except IntegrityError:
        existing = _stored(key, actor, project_id)
        if existing is None:
            raise
        return existing
    observation.replayed = False  # type: ignore[attr-defined]
    return observation


def village_observation_open_item(*, actor, observation_id: int) -> VillageObservation:
    """An earlier observation of the supervisor's own becomes a ledger item; one already turned
    into an item answers with it."""
    with transaction.atomic(durable=True):
        observation = (
            VillageObservation.objects.select_for_update()
            .filter(pk=observation_id, author_id=actor.pk)
            .first()
            if actor.is_authenticated and actor.role == Role.VILLAGE_SUPERVISOR
            else None
        )
        if observation is None:
            raise Http404
        project = access_village_project(actor, observation.project_id, for_update=True)
        if observation.ledger_item_id:
            return observation
        if project.status in WATCH_CLOSED:
            raise ConflictError(_("该项目已结束，不再登记整改事项。"))
        item = _open_item(actor, project, observation)
        village_observation_item_event(
            actor=actor,
            project=project,
            after={"observation": observation.text, **_item_facts(item)},
        )
    return observation


def acceptance_sign(*, actor, project_id: int, opinion: str) -> AcceptanceSignature:
    """A 村民监督员 signs the completion acceptance as the residents' representative: when the
    works are completed and every ledger item is closed (a problem seen is raised as an
    observation instead). Signing twice answers with the signature on file."""
    opinion = opinion.strip() or _("同意验收")
    with transaction.atomic(durable=True):
        project = access_village_project(actor, project_id, for_update=True)
        existing = AcceptanceSignature.objects.filter(project=project, signer=actor).first()
        if existing is not None:
            return existing
        if actor.role != Role.VILLAGE_SUPERVISOR:
            raise PermissionDenied
        if project.status != ProjectStatus.COMPLETED:
            raise ConflictError(_("施工单位申报完工后、验收之前才能签字。"))
        open_items = open_item_count(project)
        if open_items:
            raise ConflictError(
                _("该项目还有 %(n)d 个整改事项未销号，整改完成后才能签字验收。")
                % {"n": open_items},
                extra={"open_items": open_items},
            )
        signature = AcceptanceSignature.objects.create(
            project=project, signer=actor, village_id=actor.organisation_id, opinion=opinion
        )
        acceptance_signed_event(
            actor=actor,
            project=project,
            after={
                "signer": str(actor),
                "village": project.village.name if project.village else "",
                "opinion": opinion,
                "signed_at": signature.created_at,
            },
        )
    return signature
