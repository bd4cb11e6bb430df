"""Approval transitions: the one public entry that fires a project's transition, with split detection."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import access_project
from projects.services.filing import _fire_transition, _project_transition

from ..choices import FlagKind
from ..events import split_flagged_event
from ..models import Flag
from ..splits import possible_split_partners

SPLIT_CHECKED_TRANSITIONS = ("submit", "file")


def project_transition(
    *,
    actor,
    project_id: int,
    name: str,
    comment: str = "",
    params: dict[str, Any] | None = None,
    split_justification: str = "",
) -> Project:
    """The one public entry for named transitions: filing and submitting look for splits first.
    The route table (approvals.routes) decides which steps a project takes and who signs them;
    the firing itself is projects.services.filing's, private to this entry.

        One event per call: a split found on the way is part of the transition's event; when the
        transition is then refused, the flags stand all the same, with an event of their own.
    """
    if name not in SPLIT_CHECKED_TRANSITIONS:
        return _project_transition(
            actor=actor,
            project_id=project_id,
            name=name,
            comment=comment,
            params=params,
            split_justification=split_justification,
        )
    with transaction.atomic(durable=True):
        project, flags, facts = _split_flag(actor, project_id)
        try:
            with transaction.atomic():
                return _fire_transition(
                    actor=actor,
                    project_id=project_id,
                    name=name,
                    comment=comment,
                    params=params,
                    split_justification=split_justification,
                    facts={
                        "split_flagged": True,
                        "split_group": facts["group"],
                        "split_partners": facts["partners"],
                    }
                    if flags
                    else None,
                )
        except Exception as exc:
            if not flags:
                raise
            split_flagged_event(actor=actor, project=project, after=facts)
            refused = exc
    raise refused


def split_check(*, actor, project_id: int) -> list[Flag]:
    """Flag the project and its partners when together they reach a higher tier."""
    with transaction.atomic(durable=True):
        project, flags, facts = _split_flag(actor, project_id)
        if flags:
            split_flagged_event(actor=actor, project=project, after=facts)
    return flags


def _split_flag(actor, project_id: int) -> tuple[Project, list[Flag], dict[str, Any]]:
    """The flags a draft's possible split raises now (none twice), and the facts for the
    event the caller records."""
    with transaction.atomic(savepoint=False):  # the caller's transaction
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.DRAFT:
            return project, [], {}
        partners = possible_split_partners(project)
        if not partners:
            return project, [], {}
        flags = []
        group = sorted([project.pk, *(p.pk for p, _why in partners)])
        for member in (project, *(p for p, _why in partners)):
            others = [p for p in group if p != member.pk]
            reasons = "；".join(f"{p.code} {why}" for p, why in partners if p.pk != member.pk)
            summary = _("与同一街道近期项目合计金额达到更高类别：%(others)s") % {
                "others": reasons or project.code
            }
            flag, created = Flag.objects.get_or_create(
                project=member,
                kind=FlagKind.SPLIT,
                key=",".join(map(str, group)),
                defaults={"summary": summary[:500], "related_project_ids": others},
            )
            if created:
                flags.append(flag)
        if flags:
            Project.objects.filter(pk__in=group).update(split_flagged=True)
        return project, flags, {"group": group, "partners": [p.code for p, _why in partners]}
