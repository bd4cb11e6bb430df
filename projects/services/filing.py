"""Filing and editing a project, and firing its state transitions.

Firing is private here (`_project_transition`): `approvals.services.project_transition` is the
one public entry, which looks for splits (化整为零) before filing or submitting."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation
from core.dates import local_date
from core.errors import ConflictError
from core.geo import in_district
from core.models import AuditEvent
from core.money import parse_amount
from core.signals import announce_project_decided
from core.uploads import check_documents

from .. import routing
from ..choices import (
    EDITABLE_STATUSES,
    REVIEW_STATUSES,
    AttachmentKind,
    ProjectClass,
)
from ..events import (
    TRANSITION_VERBS,
    project_class_set_event,
    project_created_event,
    project_transitioned_event,
    project_updated_event,
)
from ..models import Project, ProjectAttachment
from ..permissions import access_project, can_file_projects
from ..rules import is_street_staff_of
from ..tiers import (
    policy_in_force,
    project_counting_amount,
    project_tier,
    scope_refusal,
    tier_for_amount,
)

# The fields a street office fills in; everything else is derived or set by transitions.
EDITABLE_FIELDS = (
    "name",
    "address",
    "latitude",
    "longitude",
    "category",
    "project_class",
    "budget_amount",
    "planned_start",
    "planned_end",
    "design_unit",
    "description",
)


def _editable(data: dict[str, Any]) -> dict[str, Any]:
    """The fields a caller may set, with the amount checked by the one money rule."""
    fields = {f: data[f] for f in EDITABLE_FIELDS if f in data}
    if fields.get("design_unit") is not None:
        fields["design_unit"] = _design_unit(fields["design_unit"])
    if "budget_amount" in fields:
        try:
            fields["budget_amount"] = parse_amount(fields["budget_amount"])
        except ValidationError as exc:
            raise ValidationError({"budget_amount": exc.error_list}) from None
    return fields


def _design_unit(value) -> Organisation:
    """A project names a 设计单位 of the directory, never another kind of organisation."""
    pk = getattr(value, "pk", value)
    unit = (
        Organisation.objects.filter(pk=pk, kind=OrganisationKind.DESIGN).first()
        if str(pk).isdigit()
        else None
    )
    if unit is None:
        raise ValidationError({"design_unit": _("请选择名录库中的设计单位。")})
    return unit


def _within_scope(project: Project, field: str = "budget_amount") -> None:
    """Refuse an amount past the scope ceiling of the project's policy, on the field that set it."""
    refusal = scope_refusal(project_counting_amount(project), project.tier_policy)
    if refusal:
        raise ValidationError({field: refusal})


def _in_district(project: Project) -> None:
    """A project's place lies in the district (docs/rules.md §1): coordinates outside its
    outline are a typing slip or another district's works."""
    if project.latitude is None or project.longitude is None:
        return
    if not in_district(project.latitude, project.longitude):
        raise ValidationError(
            {
                "latitude": _(
                    "坐标（%(lat)s, %(lng)s）不在荔城区范围内，请在地图上重新选取项目位置。"
                )
                % {"lat": project.latitude, "lng": project.longitude}
            }
        )


def _snapshot(project: Project, fields) -> dict[str, Any]:
    return {f: getattr(project, f) for f in fields}


def _add_attachments(project: Project, actor, files, kind: str) -> list[str]:
    """Store the uploads; each is a file (of `kind`) or a (file, its own kind) pair."""
    pairs = [item if isinstance(item, tuple) else (item, kind) for item in files]
    check_documents([upload for upload, _kind in pairs])
    names = []
    for upload, upload_kind in pairs:
        if upload_kind not in AttachmentKind.values:
            raise ValidationError({"attachments": _("请选择附件类型。")})
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        ProjectAttachment.objects.create(
            project=project,
            kind=upload_kind,
            file=upload,
            original_name=upload.name[:255],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        names.append(upload.name)
    return names


def project_create(
    *,
    actor,
    data: dict[str, Any],
    attachments=(),
    attachment_kind: str = AttachmentKind.APPLICATION,
) -> Project:
    """A street office files a new project as a draft; its tier follows from the amount."""
    if not can_file_projects(actor):
        raise PermissionDenied
    fields = _editable(data)
    with transaction.atomic(durable=True):
        policy = policy_in_force(local_date(timezone.now()))
        project = Project(
            street_id=actor.organisation_id,
            district_id=actor.organisation.region_id,
            created_by=actor,
            tier_policy=policy,
            **fields,
        )
        _within_scope(project)
        _in_district(project)
        project.tier = project_tier(project)
        project.full_clean(exclude=["code", "tier", "status"])
        project.save()
        project.code = f"LC-{local_date(project.created_at).year}-{project.pk:06d}"
        Project.objects.filter(pk=project.pk).update(code=project.code)
        names = _add_attachments(project, actor, list(attachments), attachment_kind)
        project_created_event(
            actor=actor,
            project=project,
            after={
                **_snapshot(project, (*EDITABLE_FIELDS, "tier", "status")),
                "attachments": names,
            },
        )
    return project


def project_update(
    *,
    actor,
    project_id: int,
    data: dict[str, Any],
    attachments=(),
    attachment_kind: str = AttachmentKind.APPLICATION,
) -> Project:
    """Edit a draft (or a project returned for revision); the tier is derived again."""
    data = _editable(data)
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        if project.status not in EDITABLE_STATUSES:
            raise ConflictError(_("项目已申报，不能再修改。"))
        changed = [f for f in EDITABLE_FIELDS if f in data and getattr(project, f) != data[f]]
        before = _snapshot(project, (*changed, "tier"))
        for field in changed:
            setattr(project, field, data[field])
        _within_scope(project)
        _in_district(project)
        project.tier = project_tier(project)
        project.full_clean(exclude=["tier", "status"])
        project.save()
        names = _add_attachments(project, actor, list(attachments), attachment_kind)
        if changed or names:
            after = _snapshot(project, (*changed, "tier"))
            if names:
                after["attachments_added"] = names
            project_updated_event(actor=actor, project=project, before=before, after=after)
    return project


def transition_names() -> list[str]:
    """The transitions a user may fire by name (pages and API); internal ones belong to the
    service that records their evidence (procurement, contract filing)."""
    return [
        t.name
        for t in Project._meta.get_field("status").get_all_transitions(Project)
        if not t.custom.get("internal")
    ]


def irreversible_transitions() -> set[str]:
    """The transitions that end a project for good (撤销, 不予立项): the pages ask to confirm."""
    return {
        t.name
        for t in Project._meta.get_field("status").get_all_transitions(Project)
        if t.custom.get("irreversible")
    }


def _project_transition(
    *,
    actor,
    project_id: int,
    name: str,
    comment: str = "",
    params: dict[str, Any] | None = None,
    split_justification: str = "",
) -> Project:
    """Fire one named transition: 404 unknown, 409 not from this state, 403 not for this user.

    `params` are the inputs the route step lets its signer set (a reviewed or approved budget);
    a flagged possible split is approved only with a justification; returning and rejecting
    need reasons. Callers go through approvals.services.project_transition.
    """
    with transaction.atomic(durable=True):
        return _fire_transition(
            actor=actor,
            project_id=project_id,
            name=name,
            comment=comment,
            params=params,
            split_justification=split_justification,
        )


def _fire_transition(
    *,
    actor,
    project_id: int,
    name: str,
    comment: str = "",
    params: dict[str, Any] | None = None,
    split_justification: str = "",
    facts: dict[str, Any] | None = None,
) -> Project:
    """project_transition inside the caller's transaction; `facts` go into the transition's
    event (what the caller found on the way: a possible split)."""
    if name not in transition_names():
        raise Http404
    params = params or {}
    with transaction.atomic(savepoint=False):  # the caller's transaction
        project = access_project(actor, project_id, for_update=True)
        method = getattr(project, name)
        meta = method._django_fsm
        step = meta.get_transition(project.status)
        if step is None and project.stopped_for:
            raise ConflictError(
                project.stop_message(),
                extra={"status": project.status, "transition": name},
            )
        if step is None and _just_fired(project, actor, name):
            return project  # sent again by the one who just fired it: answered like the first
        if step is None:
            raise ConflictError(
                _("项目当前状态为“%(status)s”，不能执行此操作。")
                % {"status": project.get_status_display()},
                extra={"status": project.status, "transition": name},
            )
        if not meta.conditions_met(project, project.status):
            explain = step.custom.get("explain")
            reason = (
                (explain(project) if explain else None)
                or routing.current().refusal(project, name)
                or step.custom.get("refused", _("当前条件下不能执行此操作。"))
            )
            raise ConflictError(str(reason), extra={"status": project.status, "transition": name})
        if not step.has_perm(project, actor):
            raise PermissionDenied
        if step.custom.get("comment_required") and not comment.strip():
            raise ValidationError({"comment": _("请填写理由。")})
        approving = step.custom.get("route_step", False)
        if approving and project.split_flagged and not project.split_justification:
            if not split_justification.strip():
                raise ValidationError(
                    {
                        "split_justification": _(
                            "该项目疑似化整为零，须说明拆分的合理理由后才能审核通过。"
                        )
                    }
                )
            project.split_justification = split_justification.strip()
        kwargs = {}
        waiting = routing.current().step_waiting_in(project.status, project.tier)
        for key in waiting.sets if approving and waiting else ():
            if params.get(key) not in (None, ""):
                try:
                    kwargs[key] = parse_amount(params[key])
                except ValidationError as exc:
                    raise ValidationError({key: exc.error_list}) from None
        before = {"status": project.status, "tier": project.tier}
        method(by=actor, **kwargs)
        for key in kwargs:  # an amount a reviewer sets must stay within 零星工程 too
            _within_scope(project, key)
        project.tier = project_tier(project)
        project.status_changed_at = timezone.now()
        project.save()
        after = {"status": project.status, "tier": project.tier, **kwargs}
        if project.split_justification and approving:
            after["split_justification"] = project.split_justification
        after.update(facts or {})
        project_transitioned_event(
            actor=actor,
            project=project,
            name=name,
            before=before,
            after=after,
            comment=comment,
        )
        # a return or refusal reaches the filer's notices at once; a resubmission clears them
        announce_project_decided(project.pk)
    return project


# A transition sent again by the one who fired it (a double click, a form sent twice, a retry
# after a lost answer) within this time finds the project where the first left it, and gets the
# first one's answer instead of "not allowed in this state"; no second event.
REPEAT_WINDOW = timedelta(minutes=10)


def _just_fired(project: Project, actor, name: str) -> bool:
    """Whether the project's last transition was `name`, by `actor`, moments ago, and the
    project still stands where it left it."""
    last = (
        AuditEvent.objects.filter(
            object_type=project._meta.label_lower,
            object_id=str(project.pk),
            verb__in=[str(verb) for verb in TRANSITION_VERBS.values()],
        )
        .order_by("-id")
        .values("verb", "actor_id", "created_at", "after")
        .first()
    )
    return bool(
        last
        and last["verb"] == str(TRANSITION_VERBS[name])
        and last["actor_id"] == getattr(actor, "pk", None)
        and (last["after"] or {}).get("status") == project.status
        and timezone.now() - last["created_at"] < REPEAT_WINDOW
    )


def available_transitions(project: Project, user) -> list[str]:
    return [t.name for t in user_transitions(project, user)]


def user_transitions(project: Project, user) -> list:
    return [
        t
        for t in cast(Any, project).get_available_user_status_transitions(user)  # django-fsm's
        if not t.custom.get("internal")
    ]


def amount_tier_preview(amount: Decimal, on: date | None = None):
    """The tier an amount would get under the policy in force today (for the filing form)."""
    return tier_for_amount(amount, policy_in_force(on or local_date(timezone.now())))


def project_class_set(*, actor, project_id: int, project_class: str, reason: str) -> Project:
    """The 住建局 corrects a project's class while it is under review (docs/rules.md §2), with
    its reason; the class's duties follow (procurement, supervision, audit)."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not (actor.is_authenticated and actor.role == Role.DEPT_REVIEWER):
            raise PermissionDenied
        if project.status not in REVIEW_STATUSES:
            raise ConflictError(_("只有审核中的项目可以调整项目分类。"))
        if project_class not in ProjectClass.values:
            raise ValidationError({"project_class": _("请选择项目分类。")})
        if not (reason or "").strip():
            raise ValidationError({"reason": _("请填写调整项目分类的理由。")})
        if project.project_class == project_class:
            return project  # as asked already: answered like the first time
        before = {"project_class": project.project_class}
        project.project_class = project_class
        project.save(update_fields=["project_class", "updated_at"])
        project_class_set_event(
            actor=actor,
            project=project,
            before=before,
            after={"project_class": project_class},
            comment=reason.strip(),
        )
    return project
