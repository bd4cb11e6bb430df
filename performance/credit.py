"""Credit (信用, docs/rules.md §4): deductions from 100 with their evidence, blacklists, suspensions and
the one writer of Organisation.credit_status, which approvals and payments read. The nightly
job applies the rules and lifts what has expired; every change of standing is audited."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import COMPANY_KINDS, CreditStatus, OrganisationKind, Role
from accounts.models import Organisation
from approvals.choices import ChangeStatus
from approvals.models import ChangeOrder
from core.dates import local_date
from core.errors import ConflictError
from core.locks import advisory_lock
from core.outbox import enqueue
from core.periods import Quarter, add_months, day_start
from inspections.choices import ItemStatus
from inspections.models import PatrolViolation, RectificationItem, SpotCheck
from projects.choices import ProjectStatus
from projects.contract_terms import is_large_change
from projects.models import Contract, Project, Settlement
from projects.services.funds import project_counting_budget

from .choices import (
    CREDIT_KINDS,
    SUSPENSION_IN_FORCE,
    BlacklistRule,
    CreditRule,
    SuspensionStatus,
)
from .events import (
    blacklist_lifted_event,
    blacklisted_event,
    credit_status_changed_event,
    deductions_recorded_event,
    suspension_appealed_event,
    suspension_decided_event,
)
from .models import Blacklisting, CreditDeduction, FalseReport, PerformancePolicy, Suspension
from .policies import policy_in_force
from .redlist import red_list_refresh, red_listed_today

START_SCORE = 100
WINDOW_DAYS = 365  # a deduction weighs for a year
CONTRACT_STAFF_FIELDS = (
    "project_manager",
    "safety_officer",
    "quality_inspector",
    "site_supervisor",
)
FALSE_REPORT_JUDGES = (Role.DEPT_REVIEWER, Role.DISCIPLINE_OFFICER)
APPEAL_JUDGES = (Role.DEPT_REVIEWER,)
_LOCK = "performance.credit"


def _today() -> date:
    return local_date(timezone.now())


# --- reads --------------------------------------------------------------------------------


def reason_label(reason: dict) -> str:
    """A credit reason in words, for the pages and the API alike."""
    code = reason.get("code")
    if code == "blacklisted":
        return _("黑名单至 %(until)s") % {"until": reason.get("until")}
    if code == "suspended":
        return _("暂停资格至 %(until)s") % {"until": reason.get("until")}
    if code == "patrol":
        return _("一季度缺少巡查记录 %(n)s 天") % {"n": reason.get("count")}
    if code == "score":
        return _("信用分 %(s)s") % {"s": reason.get("score")}
    if code == "red_listed":
        return _("守信红名单至 %(until)s") % {"until": reason.get("until")}
    return str(code)


def standing_deductions(today: date):
    """The deductions that count today: not withdrawn, within the last year. The score, the
    pages and the API all read this one set, so they agree."""
    return CreditDeduction.objects.filter(
        withdrawn_at__isnull=True, day__gt=today - timedelta(days=WINDOW_DAYS)
    )


def credit_scores(today: date, organisation_ids=None) -> dict[int, int]:
    """100 minus the points of the last year's standing deductions, never below 0."""
    rows = standing_deductions(today)
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=organisation_ids)
    totals = rows.values("organisation_id").annotate(points=Sum("points"))
    return {r["organisation_id"]: max(0, START_SCORE - r["points"]) for r in totals}


def _patrol_counts(quarter: Quarter, organisation_ids=None) -> dict[int, int]:
    rows = PatrolViolation.objects.filter(
        withdrawn_at__isnull=True, day__gte=quarter.start, day__lt=quarter.end
    )
    if organisation_ids is not None:
        rows = rows.filter(supervision_unit_id__in=organisation_ids)
    return dict(rows.values_list("supervision_unit_id").annotate(n=Count("id")))


def credit_targets(
    today: date, policy: PerformancePolicy, organisation_ids=None
) -> dict[int, tuple[str, list[dict]]]:
    """The standing each company should have today, with the reasons. Precedence: blacklisted,
    suspended, warned, normal. Companies not listed are normal."""

    def scoped(qs, field="organisation_id"):
        return qs if organisation_ids is None else qs.filter(**{f"{field}__in": organisation_ids})

    blacklisted = dict(
        scoped(
            Blacklisting.objects.filter(
                lifted_at__isnull=True, starts_on__lte=today, ends_on__gte=today
            )
        ).values_list("organisation_id", "ends_on")
    )
    suspended = dict(
        scoped(
            Suspension.objects.filter(
                status__in=SUSPENSION_IN_FORCE, starts_on__lte=today, ends_on__gte=today
            )
        ).values_list("organisation_id", "ends_on")
    )
    quarter = Quarter.of(today)
    now_counts = _patrol_counts(quarter, organisation_ids)
    before_counts = _patrol_counts(quarter.previous(), organisation_ids)
    scores = credit_scores(today, organisation_ids)
    red = red_listed_today(today, organisation_ids)
    targets: dict[int, tuple[str, list[dict]]] = {}
    for org_id in (
        set(blacklisted)
        | set(suspended)
        | set(now_counts)
        | set(before_counts)
        | set(scores)
        | set(red)
    ):
        reasons = []
        if org_id in blacklisted:
            reasons.append({"code": "blacklisted", "until": blacklisted[org_id].isoformat()})
        if org_id in suspended:
            reasons.append({"code": "suspended", "until": suspended[org_id].isoformat()})
        patrol = max(now_counts.get(org_id, 0), before_counts.get(org_id, 0))
        if patrol >= policy.patrol_warn:
            reasons.append({"code": "patrol", "count": patrol})
        score = scores.get(org_id, START_SCORE)
        if score < policy.warn_below:
            reasons.append({"code": "score", "score": score})
        if org_id in blacklisted:
            status = CreditStatus.BLACKLISTED
        elif org_id in suspended:
            status = CreditStatus.SUSPENDED
        elif reasons:
            status = CreditStatus.WARNED
        else:
            status = CreditStatus.NORMAL
        # The honour is shown only while nothing stands against the company.
        if status == CreditStatus.NORMAL and org_id in red:
            reasons.append({"code": "red_listed", "until": red[org_id].isoformat()})
        targets[org_id] = (status, reasons)
    return targets


# --- the one writer of credit_status ---------------------------------------------------------


def credit_refresh(
    *, actor=None, today: date | None = None, policy=None, organisation_ids=None, record=True
) -> list[tuple[int, str, str]]:
    """Bring each company's credit_status to what the rules say today; one audit event per
    company whose standing changes (or none with `record=False`: a person's action records
    the change in its own one event). Must run inside the caller's transaction."""
    today = today or _today()
    policy = policy or policy_in_force(today)
    targets = credit_targets(today, policy, organisation_ids)
    companies = Organisation.objects.filter(kind__in=CREDIT_KINDS).select_for_update()
    if organisation_ids is not None:
        companies = companies.filter(pk__in=organisation_ids)
    changed = []
    for org in companies.only("id", "name", "credit_status").order_by("pk"):
        status, reasons = targets.get(org.pk, (CreditStatus.NORMAL, []))
        if org.credit_status == status:
            continue
        before = org.credit_status
        Organisation.objects.filter(pk=org.pk).update(credit_status=status)
        if record:
            credit_status_changed_event(
                actor=actor,
                organisation=org,
                before={"credit_status": before},
                after={"credit_status": status, "reasons": reasons, "on": today},
            )
        changed.append((org.pk, before, status))
    if changed:
        _recompute_risk_of([pk for pk, _b, _a in changed])
    return changed


def _standing(changed: list[tuple[int, str, str]]) -> tuple[dict, dict]:
    """The one company's credit standing before and after, for a person's action's event."""
    if not changed:
        return {}, {}
    _pk, before, after = changed[0]
    return {"credit_status": before}, {"credit_status": after}


def _recompute_risk_of(organisation_ids: list[int]) -> None:
    """A company's standing is part of its projects' risk colour: recompute them after
    commit."""
    enqueue("performance.tasks.risk_recompute", organisation_ids=sorted(organisation_ids))


# --- the nightly job --------------------------------------------------------------------------


def _deduction_candidates(today: date, policy: PerformancePolicy) -> list[CreditDeduction]:
    since = today - timedelta(days=WINDOW_DAYS)
    found = [
        CreditDeduction(
            organisation_id=v["supervision_unit_id"],
            rule=CreditRule.PATROL_MISSING,
            points=policy.points_patrol_missing,
            day=v["day"],
            cause_key=f"patrol:{v['id']}",
            project_id=v["project_id"],
        )
        for v in PatrolViolation.objects.filter(withdrawn_at__isnull=True, day__gt=since).values(
            "id", "supervision_unit_id", "project_id", "day"
        )
    ]
    found += [
        CreditDeduction(
            organisation_id=c["project__contractor_id"],
            rule=CreditRule.FAILED_CHECK,
            points=policy.points_failed_check,
            day=c["checked_on"],
            cause_key=f"check:{c['id']}",
            project_id=c["project_id"],
            evidence=c["note"],
        )
        for c in SpotCheck.objects.filter(
            passed=False, checked_on__gt=since, project__contractor__isnull=False
        ).values("id", "project_id", "project__contractor_id", "checked_on", "note")
    ]
    found += [
        CreditDeduction(
            organisation_id=i["responsible_organisation_id"],
            rule=CreditRule.OVERDUE_RECTIFICATION,
            points=policy.points_overdue,
            day=i["deadline"] + timedelta(days=1),
            cause_key=f"overdue:{i['id']}",
            project_id=i["project_id"],
            evidence=i["problem"][:500],
        )
        for i in RectificationItem.objects.filter(
            deadline__lt=today,
            deadline__gte=since,
            responsible_organisation__kind__in=CREDIT_KINDS,
        )
        .exclude(status=ItemStatus.CLOSED)
        .values("id", "responsible_organisation_id", "project_id", "deadline", "problem")
    ]
    found += _design_and_street_candidates(today, since, policy)
    contracts = (
        Contract.objects.filter(project__status=ProjectStatus.IN_PROGRESS)
        .filter(
            Q(project_manager__is_active=False)
            | Q(safety_officer__is_active=False)
            | Q(quality_inspector__is_active=False)
            | Q(site_supervisor__is_active=False)
        )
        .select_related(*CONTRACT_STAFF_FIELDS)
    )
    for contract in contracts:
        for field in CONTRACT_STAFF_FIELDS:
            person = getattr(contract, field)
            if not person.is_active:
                found.append(
                    CreditDeduction(
                        organisation_id=person.organisation_id,
                        rule=CreditRule.MISSING_STAFF,
                        points=policy.points_missing_staff,
                        day=today,
                        cause_key=f"staff:{contract.pk}:{field}",
                        project_id=contract.project_id,
                        evidence=f"{person}",
                    )
                )
    return found


def _design_and_street_candidates(
    today: date, since: date, policy: PerformancePolicy
) -> list[CreditDeduction]:
    """The deductions of 设计单位 and of street offices as 建设单位 (docs/credit.md): design-caused
    large changes and budget deviations; settlements over the approved budget; acceptance not
    organised in time. Each fact once (its cause key)."""
    found = []
    # 设计缺漏: approved changes adding up to over 10% of the contract, on a designed project.
    last_change = dict(
        ChangeOrder.objects.filter(
            status=ChangeStatus.APPROVED,
            decided_at__isnull=False,
            project__design_unit__isnull=False,
        )
        .values_list("project_id")
        .annotate(last=Max("decided_at"))
        .values_list("project_id", "last")
    )
    for c in Contract.objects.filter(project_id__in=list(last_change)).values(
        "project_id", "project__design_unit_id", "amount", "approved_changes_total"
    ):
        day = local_date(last_change[c["project_id"]])
        if day <= since or not is_large_change(c["approved_changes_total"], c["amount"]):
            continue
        found.append(
            CreditDeduction(
                organisation_id=c["project__design_unit_id"],
                rule=CreditRule.DESIGN_CHANGE,
                points=policy.points_design_change,
                day=day,
                cause_key=f"design_change:{c['project_id']}",
                project_id=c["project_id"],
                evidence=_("累计变更 %(delta)s 元，合同 %(amount)s 元")
                % {"delta": c["approved_changes_total"], "amount": c["amount"]},
            )
        )
    # Settled over the approved budget by more than the policy's share: the design unit's
    # estimate and the street office's budget.
    for s in Settlement.objects.filter(created_at__gte=day_start(since)).select_related("project"):
        budget = project_counting_budget(s.project)
        if not budget or s.amount <= budget * (1 + policy.budget_overrun_share):
            continue
        day = local_date(s.created_at)
        evidence = _("结算 %(settled)s 元，批复预算 %(budget)s 元") % {
            "settled": s.amount,
            "budget": budget,
        }
        found.append(
            CreditDeduction(
                organisation_id=s.project.street_id,
                rule=CreditRule.OVER_BUDGET,
                points=policy.points_over_budget,
                day=day,
                cause_key=f"over_budget:{s.project_id}",
                project_id=s.project_id,
                evidence=evidence,
            )
        )
        if s.project.design_unit_id:
            found.append(
                CreditDeduction(
                    organisation_id=s.project.design_unit_id,
                    rule=CreditRule.DESIGN_BUDGET,
                    points=policy.points_design_budget,
                    day=day,
                    cause_key=f"design_budget:{s.project_id}",
                    project_id=s.project_id,
                    evidence=evidence,
                )
            )
    # 组织验收 is the street office's duty: completed, and not accepted within the limit.
    for p in Project.objects.filter(
        completed_at__isnull=False, completed_at__gte=day_start(since)
    ).values("pk", "street_id", "completed_at", "accepted_at"):
        due = local_date(p["completed_at"]) + timedelta(days=policy.acceptance_due_days)
        accepted = local_date(p["accepted_at"]) if p["accepted_at"] else None
        if (accepted or today) <= due:
            continue
        found.append(
            CreditDeduction(
                organisation_id=p["street_id"],
                rule=CreditRule.LATE_ACCEPTANCE,
                points=policy.points_late_acceptance,
                day=due + timedelta(days=1),
                cause_key=f"late_acceptance:{p['pk']}",
                project_id=p["pk"],
                evidence=_("完工于 %(done)s，应于 %(due)s 前组织验收")
                % {"done": local_date(p["completed_at"]), "due": due},
            )
        )
    return found


def sync_deductions(today: date, policy: PerformancePolicy) -> list[CreditDeduction]:
    """Record each new fact once (its cause key); withdraw those of withdrawn patrol days."""
    candidates = _deduction_candidates(today, policy)
    known = (
        set(
            CreditDeduction.objects.filter(
                cause_key__in=[c.cause_key for c in candidates]
            ).values_list("cause_key", flat=True)
        )
        if len(candidates) < 5000
        else set(CreditDeduction.objects.values_list("cause_key", flat=True))
    )
    new = [c for c in candidates if c.cause_key not in known]
    CreditDeduction.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    withdrawn = PatrolViolation.objects.filter(
        withdrawn_at__isnull=False, day__gt=today - timedelta(days=WINDOW_DAYS)
    )
    CreditDeduction.objects.filter(
        rule=CreditRule.PATROL_MISSING,
        withdrawn_at__isnull=True,
        cause_key__in=[f"patrol:{pk}" for pk in withdrawn.values_list("pk", flat=True)],
    ).update(withdrawn_at=timezone.now())
    return new


def _blacklist(
    actor,
    *,
    organisation_id: int,
    rule: str,
    reason: str,
    evidence: str,
    starts_on: date,
    months: int,
    cause_key: str,
    record: bool = True,
) -> Blacklisting | None:
    if Blacklisting.objects.filter(cause_key=cause_key).exists():
        return None
    entry = Blacklisting.objects.create(
        organisation_id=organisation_id,
        rule=rule,
        reason=reason,
        evidence=evidence,
        starts_on=starts_on,
        ends_on=add_months(starts_on, months) - timedelta(days=1),
        cause_key=cause_key,
    )
    if record:
        blacklisted_event(
            actor=actor, organisation=entry.organisation, before={}, after=_blacklist_facts(entry)
        )
    return entry


def _blacklist_facts(entry: Blacklisting) -> dict:
    return {
        "blacklisting": entry.pk,
        "rule": entry.rule,
        "reason": entry.reason,
        "evidence": entry.evidence,
        "starts_on": entry.starts_on,
        "ends_on": entry.ends_on,
    }


def _patrol_blacklists(actor, today: date, policy: PerformancePolicy) -> list[Blacklisting]:
    """10 missing patrol days in a quarter → blacklisted for 6 months (docs/rules.md §4)."""
    entries = []
    for quarter in (Quarter.of(today).previous(), Quarter.of(today)):
        for org_id, count in sorted(_patrol_counts(quarter).items()):
            if count < policy.patrol_blacklist:
                continue
            days = (
                PatrolViolation.objects.filter(
                    supervision_unit_id=org_id,
                    withdrawn_at__isnull=True,
                    day__gte=quarter.start,
                    day__lt=quarter.end,
                )
                .order_by("day")
                .values_list("project_id", "day")
            )
            entry = _blacklist(
                actor,
                organisation_id=org_id,
                rule=BlacklistRule.PATROL_MISSING,
                reason=_("%(quarter)s 缺少每日巡查记录 %(n)d 天（达到 %(limit)d 天）")
                % {"quarter": quarter, "n": count, "limit": policy.patrol_blacklist},
                evidence="; ".join(f"#{p} {d}" for p, d in days),
                starts_on=today,
                months=policy.patrol_blacklist_months,
                cause_key=f"patrol_blacklist:{org_id}:{quarter}",
            )
            if entry:
                entries.append(entry)
    return entries


def _lift_expired(actor, today: date) -> list[Blacklisting]:
    lifted = []
    for entry in (
        Blacklisting.objects.select_for_update()
        .filter(lifted_at__isnull=True, ends_on__lt=today)
        .order_by("pk")
    ):
        entry.lifted_at = timezone.now()
        entry.save(update_fields=["lifted_at", "updated_at"])
        blacklist_lifted_event(
            actor=actor,
            organisation=entry.organisation,
            before={"blacklisting": entry.pk, "ends_on": entry.ends_on},
            after={"lifted_on": today},
        )
        lifted.append(entry)
    return lifted


def credit_nightly(*, today: date | None = None, actor=None) -> dict:
    """Apply the rules for today; a second run the same day changes nothing."""
    today = today or _today()
    with transaction.atomic(durable=True):
        advisory_lock(_LOCK)
        policy = policy_in_force(today)
        added = sync_deductions(today, policy)
        blacklisted = _patrol_blacklists(actor, today, policy)
        lifted = _lift_expired(actor, today)
        changed = credit_refresh(actor=actor, today=today, policy=policy)
        red_ended = red_list_refresh(actor=actor, today=today)
        if added:
            by_company: dict[int, int] = {}
            for d in added:
                by_company[d.organisation_id] = by_company.get(d.organisation_id, 0) + d.points
            deductions_recorded_event(
                actor=actor,
                day=today,
                after={
                    "count": len(added),
                    "points_by_company": by_company,
                    "causes": [d.cause_key for d in added],
                },
            )
    return {
        "deductions": len(added),
        "blacklisted": len(blacklisted),
        "lifted": len(lifted),
        "changed": len(changed),
        "red_list_ended": len(red_ended),
    }


# --- people's actions --------------------------------------------------------------------------


def false_report_confirm(
    *,
    actor,
    organisation_id: int,
    description: str,
    evidence: str,
    project_id: int | None = None,
    confirmed_on: date | None = None,
) -> FalseReport:
    """A confirmed 虚假申报 (reviewer or discipline officer): deduction and blacklist."""
    if not (actor.is_authenticated and actor.role in FALSE_REPORT_JUDGES):
        raise PermissionDenied
    errors = {}
    if not description.strip():
        errors["description"] = [_("请填写查实情况。")]
    if not evidence.strip():
        errors["evidence"] = [_("请填写证据（文号、材料或链接）。")]
    company = Organisation.objects.filter(pk=organisation_id, kind__in=COMPANY_KINDS).first()
    if company is None:
        errors["organisation"] = [_("请选择名录库中的单位。")]
    project = None
    if project_id:
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            errors["project"] = [_("项目不存在。")]
    if errors:
        raise ValidationError(errors)
    assert company is not None  # else errors were raised above
    today = confirmed_on or _today()
    with transaction.atomic(durable=True):
        advisory_lock(_LOCK)
        policy = policy_in_force(today)
        report = FalseReport.objects.create(
            organisation=company,
            project=project,
            description=description.strip(),
            evidence=evidence.strip(),
            confirmed_by=actor,
            confirmed_on=today,
        )
        CreditDeduction.objects.create(
            organisation=company,
            rule=CreditRule.FALSE_REPORT,
            points=policy.points_false_report,
            day=today,
            cause_key=f"false_report:{report.pk}",
            project=project,
            evidence=report.evidence,
        )
        entry = _blacklist(
            actor,
            organisation_id=company.pk,
            rule=BlacklistRule.FALSE_REPORT,
            reason=report.description,
            evidence=report.evidence,
            starts_on=today,
            months=policy.false_report_months,
            cause_key=f"false_report:{report.pk}",
            record=False,
        )
        changed = credit_refresh(
            actor=actor, today=today, policy=policy, organisation_ids=[company.pk], record=False
        )
        ended = red_list_refresh(
            actor=actor, today=today, organisation_ids=[company.pk], record=False
        )
        # One event: the blacklisting, the standing it changed and the red listing it ended.
        was, now = _standing(changed)
        blacklisted_event(
            actor=actor,
            organisation=company,
            before=was,
            after={
                **(_blacklist_facts(entry) if entry else {}),
                **now,
                **({"red_list_ended": [r.pk for r in ended]} if ended else {}),
            },
        )
    return report


def suspension_appeal(*, actor, suspension_id: int, text: str) -> Suspension:
    """The suspended company's own staff appeal once, before a reviewer decides."""
    if not text.strip():
        raise ValidationError({"text": _("请填写申诉理由。")})
    with transaction.atomic(durable=True):
        suspension = Suspension.objects.select_for_update().filter(pk=suspension_id).first()
        if suspension is None or not (
            actor.is_authenticated
            and actor.organisation_id == suspension.organisation_id
            and actor.role in (Role.CONTRACTOR, Role.SUPERVISOR)
        ):
            raise PermissionDenied
        if suspension.status != SuspensionStatus.PENDING:
            raise ConflictError(_("该暂停资格决定已申诉或已处理。"))
        suspension.status = SuspensionStatus.APPEALED
        suspension.appeal_text = text.strip()
        suspension.appealed_by = actor
        suspension.appealed_at = timezone.now()
        suspension.save()
        suspension_appealed_event(
            actor=actor,
            organisation=suspension.organisation,
            before={"status": SuspensionStatus.PENDING},
            after={"suspension": suspension.pk, "status": suspension.status},
            comment=suspension.appeal_text,
        )
    return suspension


def suspension_decide(*, actor, suspension_id: int, uphold: bool, note: str) -> Suspension:
    """A reviewer (主管部门) upholds or revokes an appealed suspension, with reasons."""
    if not (actor.is_authenticated and actor.role in APPEAL_JUDGES):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("请填写复核意见。")})
    with transaction.atomic(durable=True):
        advisory_lock(_LOCK)
        suspension = Suspension.objects.select_for_update().filter(pk=suspension_id).first()
        if suspension is None:
            raise PermissionDenied
        if suspension.status != SuspensionStatus.APPEALED:
            raise ConflictError(_("只有申诉中的暂停资格可以复核。"))
        suspension.status = SuspensionStatus.UPHELD if uphold else SuspensionStatus.REVOKED
        suspension.decided_by = actor
        suspension.decided_at = timezone.now()
        suspension.decision_note = note.strip()
        suspension.save()
        changed = credit_refresh(
            actor=actor, organisation_ids=[suspension.organisation_id], record=False
        )
        # One event: the decision and the standing it changed.
        was, now = _standing(changed)
        suspension_decided_event(
            actor=actor,
            organisation=suspension.organisation,
            before={"status": SuspensionStatus.APPEALED, **was},
            after={"suspension": suspension.pk, "status": suspension.status, **now},
            comment=suspension.decision_note,
        )
    return suspension


def company_kind_label(kind: str) -> str:
    return str(OrganisationKind(kind).label)
