"""Quality spot checks and the monthly random plan (双随机)."""

import random
import secrets
from datetime import date, timedelta
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from core.dates import deadline_after_days, is_working_day
from core.errors import ConflictError
from core.signals import announce_project_changed
from projects.choices import ProjectStatus
from projects.models import Project
from projects.permissions import access_project

from ..choices import ItemSource
from ..events import (
    spot_check_plan_assigned_event,
    spot_check_plan_drawn_event,
    spot_check_recorded_event,
)
from ..evidence import check_photos, photo_facts_for_audit, store_photos
from ..models import (
    SpotCheck,
    SpotCheckItem,
    SpotCheckPlan,
    SpotCheckPolicy,
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
        if plan_id is None:
            plan = plan_for(project.pk, _today())
            plan_id = plan.pk if plan else None
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
        facts: dict[str, object] = {
            "spot_check": check.pk,
            "plan": plan_id,
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


def plan_rates(on: date) -> dict[str, float]:
    """The shares drawn by risk colour: the policy in force on `on`, else the settings."""
    policy = SpotCheckPolicy.objects.filter(effective_from__lte=on).first()
    if policy is None:
        return {k: float(v) for k, v in settings.SPOT_CHECK_RATES.items()}
    return {
        "red": float(policy.red_rate),
        "yellow": float(policy.yellow_rate),
        "green": float(policy.green_rate),
    }


def draw_plan(inputs: dict, seed: str, rates: dict) -> list[dict]:
    """The draw itself, a pure function of its inputs: the same seed gives the same plan.
    `inputs` holds the projects ([id, colour]), the inspectors (ids) and, per project, the
    inspectors excluded for a conflict of interest."""
    rng = random.Random(seed)
    inspectors = sorted(inputs["inspectors"])
    draws = []
    for pk, colour in sorted(inputs["projects"]):
        if rng.random() < rates.get(colour, 0):
            excluded = set(inputs["conflicts"].get(str(pk), ()))
            eligible = [u for u in inspectors if u not in excluded]
            inspector = rng.choice(eligible) if eligible else None
            draws.append(
                {
                    "project": pk,
                    "risk_colour": colour,
                    "inspector": inspector,
                    "assigned": inspector,
                }
            )
    return draws


def plan_candidates() -> dict:
    """Projects under way with their colours, the active inspectors of the 住建局, and the
    conflicts of interest: whoever approved a project at review, or checked it last, does not
    check it this time."""
    projects = list(
        Project.objects.filter(status=ProjectStatus.IN_PROGRESS).values_list(
            "pk", "risk_colour", "dept_approved_by_id"
        )
    )
    inspectors = list(
        User.objects.filter(role=Role.DEPT_REVIEWER, is_active=True).values_list("pk", flat=True)
    )
    conflicts: dict[str, list[int]] = {}
    for pk, _colour, approver in projects:
        if approver:
            conflicts.setdefault(str(pk), []).append(approver)
    last_checks = (
        SpotCheck.objects.filter(project__status=ProjectStatus.IN_PROGRESS)
        .order_by("project_id", "-checked_on", "-id")
        .values_list("project_id", "inspector_id")
    )
    seen: set[int] = set()
    for project_id, inspector_id in last_checks:
        if project_id not in seen:
            seen.add(project_id)
            if inspector_id not in conflicts.get(str(project_id), []):
                conflicts.setdefault(str(project_id), []).append(inspector_id)
    return {
        "projects": sorted([pk, colour] for pk, colour, _a in projects),
        "inspectors": sorted(inspectors),
        "conflicts": {k: sorted(v) for k, v in conflicts.items()},
    }


def plan_redraw(plan: SpotCheckPlan) -> list[dict]:
    """The plan drawn again from what it recorded; equal to the stored draws unless altered.
    Assignments changed later are not part of the draw."""
    return draw_plan(plan.inputs, plan.seed, plan.rates)


def plan_redraw_matches(plan: SpotCheckPlan) -> bool | None:
    """None for a plan drawn before its inputs were kept (it cannot be redrawn here)."""
    if not plan.inputs:
        return None
    keys = ("project", "risk_colour", "inspector")
    drawn = [{k: d[k] for k in keys} for d in plan.draws]
    return drawn == [{k: d[k] for k in keys} for d in plan_redraw(plan)]


def plan_create(*, actor, month: date, seed: str | None = None) -> SpotCheckPlan:
    """双随机 for a month: projects drawn by risk colour (SpotCheckPolicy), inspectors drawn at
    random among those without a conflict of interest. `actor` None: the monthly job."""
    if actor is not None and actor.role != Role.DEPT_REVIEWER:
        raise PermissionDenied
    seed = (seed or "").strip() or secrets.token_hex(16)
    if len(seed) > 64:
        raise ValidationError({"seed": _("随机种子不能超过 64 个字符。")})
    month = month.replace(day=1)
    rates = plan_rates(month)
    with transaction.atomic(durable=True):
        if SpotCheckPlan.objects.filter(month=month).exists():
            raise ConflictError(_("该月份的抽检计划已经生成。"))
        inputs = plan_candidates()
        plan = SpotCheckPlan.objects.create(
            month=month,
            seed=seed,
            rates=rates,
            inputs=inputs,
            created_by=actor,
            draws=draw_plan(inputs, seed, rates),
        )
        spot_check_plan_drawn_event(
            actor=actor,
            plan=plan,
            after={
                "seed": seed,
                "rates": rates,
                "draws": plan.draws,
                "candidates": [pk for pk, _c in inputs["projects"]],
                "inspectors": inputs["inspectors"],
            },
        )
    return plan


def plan_assign(*, actor, plan_id: int, project_id: int, inspector_id: int) -> SpotCheckPlan:
    """The 住建局 assigns a drawn check to an inspector (the drawn one, or another without a
    conflict of interest in this project)."""
    if actor.role != Role.DEPT_REVIEWER:
        raise PermissionDenied
    with transaction.atomic(durable=True):
        plan = SpotCheckPlan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None:
            raise Http404
        draw = next((d for d in plan.draws if d["project"] == project_id), None)
        if draw is None:
            raise ValidationError({"project": _("该项目不在本月抽检计划中。")})
        eligible = set(plan.inputs["inspectors"]) - set(
            plan.inputs["conflicts"].get(str(project_id), ())
        )
        if (
            inspector_id not in eligible
            or not User.objects.filter(
                pk=inspector_id, role=Role.DEPT_REVIEWER, is_active=True
            ).exists()
        ):
            raise ValidationError(
                {"inspector": _("该人员不能检查这个项目（不是抽检人员，或与项目存在利害关系）。")}
            )
        before = draw["assigned"]
        if before == inspector_id:
            return plan
        draw["assigned"] = inspector_id
        plan.save(update_fields=["draws", "updated_at"])
        spot_check_plan_assigned_event(
            actor=actor,
            plan=plan,
            before={"project": project_id, "assigned": before},
            after={"project": project_id, "assigned": inspector_id},
        )
    return plan


def plan_for(project_id: int, day: date) -> SpotCheckPlan | None:
    """The month's plan that drew this project, if any: a check recorded on it links back."""
    plan = SpotCheckPlan.objects.filter(month=day.replace(day=1)).first()
    if plan and any(d["project"] == project_id for d in plan.draws):
        return plan
    return None


def plan_month_draft(today: date) -> SpotCheckPlan | None:
    """The monthly job: on the month's first working day, draft its plan if none was drawn."""
    first = today.replace(day=1)
    while not is_working_day(first):
        first += timedelta(days=1)
    if today != first or SpotCheckPlan.objects.filter(month=first.replace(day=1)).exists():
        return None
    return plan_create(actor=None, month=today)
