"""Quality spot checks and the monthly random plan (双随机)."""

import random
import secrets
from datetime import date
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from core.dates import deadline_after_days
from core.errors import ConflictError
from core.signals import announce_project_changed
from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import access_project

from ..choices import ItemSource
from ..events import spot_check_plan_drawn_event, spot_check_recorded_event
from ..evidence import check_photos, photo_facts_for_audit, store_photos
from ..models import (
    SpotCheck,
    SpotCheckItem,
    SpotCheckPlan,
)
from .ledger import _today, item_add


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
    with transaction.atomic(durable=True):
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
        facts = {
            "spot_check": check.pk,
            "passed": check.passed,
            "failed": [name for name, ok, _n in items if not ok],
            "photos": photo_facts_for_audit(stored),
        }
        if check.passed:
            announce_project_changed(project.pk)
        else:  # the ledger item for the contractor, recorded in this one event
            failed = "；".join(
                f"{name}{f'（{n}）' if n else ''}" for name, ok, n in items if not ok
            )
            deadline = deadline_after_days(_today(), settings.SPOT_CHECK_DEADLINE_DAYS)
            item = item_add(
                actor=None,
                project_id=project.pk,
                source=ItemSource.SPOT_CHECK,
                problem=_("质量抽检不合格：%(items)s") % {"items": failed},
                responsible_organisation_id=cast(
                    int, project.contractor_id
                ),  # under way: contracted
                deadline=deadline,
                standard=_("按设计和规范整改，经复查合格"),
                spot_check=check,
            )
            facts.update({"ledger_item": item.pk, "deadline": deadline})
        spot_check_recorded_event(actor=actor, project=project, after=facts)
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
    with transaction.atomic(durable=True):
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
        spot_check_plan_drawn_event(
            actor=actor,
            plan=plan,
            after={
                "seed": seed,
                "rates": rates,
                "draws": plan.draws,
                "candidates": [p.pk for p in projects],
                "inspectors": [u.pk for u in inspectors],
            },
        )
    return plan
