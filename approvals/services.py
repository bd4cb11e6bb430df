"""Every write of the approval route after filing: transitions with split detection,
procurement (direct award, lottery, tender), contract filing, design changes and escalation."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import OrganisationKind, StaffPosition
from accounts.models import CompanyStaff, Organisation
from core.audit import record_event
from core.errors import ApplicationError, ConflictError
from core.money import parse_amount
from core.signals import announce_project_changed
from core.uploads import check_documents
from projects import services as project_services
from projects.choices import (
    PROCUREMENT_STRENGTH,
    TIER_PROCUREMENT,
    TIER_RANK,
    ProcurementMethod,
    ProjectStatus,
    Tier,
)
from projects.models import Contract, Project
from projects.permissions import access_project
from projects.tiers import project_tier

from . import lottery as lottery_rule
from .choices import ChangeStatus, FlagKind
from .models import ChangeOrder, DirectAward, Flag, Lottery, Tender, TenderBid
from .permissions import (
    may_approve_escalation,
    may_decide_change,
    may_record_selection,
    may_request_change,
    may_run_lottery,
)
from .splits import possible_split_partners

SPLIT_CHECKED_TRANSITIONS = ("submit", "file")
LARGE_CHANGE_SHARE = Decimal("0.10")
# The approval steps each tier's route needs (SPEC §2).
ROUTE_STEPS = {
    Tier.SIMPLE: [],
    Tier.GENERAL: ["dept", "expert", "drc"],
    Tier.MAJOR: ["dept", "expert", "fiscal", "drc"],
}


# --- transitions -------------------------------------------------------------------------


def project_transition(
    *,
    actor,
    project_id: int,
    name: str,
    comment: str = "",
    params: dict[str, Any] | None = None,
    split_justification: str = "",
) -> Project:
    """The one entry for named transitions: filing and submitting look for splits first."""
    if name in SPLIT_CHECKED_TRANSITIONS:
        split_check(actor=actor, project_id=project_id)
    return project_services.project_transition(
        actor=actor,
        project_id=project_id,
        name=name,
        comment=comment,
        params=params,
        split_justification=split_justification,
    )


def split_check(*, actor, project_id: int) -> list[Flag]:
    """Flag the project and its partners when together they reach a higher tier.

    Runs in its own transaction so that the flags stand even when the filing is then refused.
    """
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.DRAFT:
            return []
        partners = possible_split_partners(project)
        if not partners:
            return []
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
            record_event(
                actor=actor,
                verb="project.split_flagged",
                obj=project,
                after={"group": group, "partners": [p.code for p, _why in partners]},
            )
    return flags


# --- procurement -------------------------------------------------------------------------


def _id(value) -> int | None:
    """An id from a form or JSON; anything else (blank, text) is simply no choice."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _eligible_contractor(organisation_id) -> Organisation:
    company = Organisation.objects.filter(
        pk=_id(organisation_id), kind=OrganisationKind.CONTRACTOR
    ).first()
    if company is None:
        raise ValidationError(_("请选择名录库中的施工单位。"))
    if not company.is_eligible:
        raise ApplicationError(
            _("%(name)s 的信用状态为“%(status)s”，不能参与零星工程。")
            % {"name": company.name, "status": company.get_credit_status_display()},
            extra={"company": company.pk, "credit_status": company.credit_status},
        )
    return company


def _procurement_project(actor, project_id: int, *, tier: Tier, allowed, who_may) -> Project:
    project = access_project(actor, project_id, for_update=True)
    if not who_may(project, actor):
        raise PermissionDenied
    if project.tier != tier:
        raise ConflictError(
            _("%(tier)s项目不采用此采购方式。") % {"tier": project.get_tier_display()}
        )
    if project.status not in allowed:
        raise ConflictError(
            _("项目当前状态为“%(status)s”，不能进行采购。")
            % {"status": project.get_status_display()}
        )
    return project


def direct_award(*, actor, project_id: int, contractor_id: int, reason: str) -> DirectAward:
    """简易类: a qualified contractor from the directory, with the reason recorded."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写直接委托的理由。")})
    with transaction.atomic():
        project = _procurement_project(
            actor,
            project_id,
            tier=Tier.SIMPLE,
            allowed=(ProjectStatus.APPROVED,),
            who_may=may_record_selection,
        )
        company = _eligible_contractor(contractor_id)
        award = DirectAward.objects.create(
            project=project, contractor=company, reason=reason.strip(), awarded_by=actor
        )
        _awarded(
            actor,
            project,
            company,
            ProcurementMethod.DIRECT,
            "procurement.direct_award",
            {"contractor": company.name, "reason": award.reason},
        )
    return award


def _awarded(
    actor, project: Project, company: Organisation, method: str, verb: str, after: dict
) -> None:
    before = {"status": project.status}
    if project.status == ProjectStatus.APPROVED:
        project.start_procurement(by=actor)
    project.contractor = company
    project.procurement_method = method
    project.status_changed_at = timezone.now()
    project.save()
    record_event(
        actor=actor,
        verb=verb,
        obj=project,
        before=before,
        after={"status": project.status, "procurement_method": method, **after},
    )


def lottery_shortlist(*, actor, project_id: int, contractor_ids: list[int]) -> Lottery:
    """一般类: record the platform's two shortlisted contractors and publish the seed's hash."""
    if len(contractor_ids) != 2 or len(set(contractor_ids)) != 2:
        raise ValidationError(
            {"contractor_ids": _("请按采购平台的顺序选择两家不同的备选施工单位。")}
        )
    with transaction.atomic():
        project = _procurement_project(
            actor,
            project_id,
            tier=Tier.GENERAL,
            allowed=(ProjectStatus.APPROVED,),
            who_may=may_run_lottery,
        )
        companies = [_eligible_contractor(i) for i in contractor_ids]
        seed = lottery_rule.new_seed()
        lottery = Lottery.objects.create(
            project=project,
            seed=seed,
            seed_hash=lottery_rule.seed_hash(seed),
            recorded_by=actor,
            shortlist=[
                {"id": c.pk, "name": c.name, "credit_code": c.credit_code} for c in companies
            ],
        )
        before = {"status": project.status}
        project.start_procurement(by=actor)
        project.status_changed_at = timezone.now()
        project.save()
        record_event(
            actor=actor,
            verb="procurement.lottery_shortlisted",
            obj=project,
            before=before,
            after={
                "status": project.status,
                "shortlist": lottery.shortlist,
                "seed_hash": lottery.seed_hash,
            },
        )
    return lottery


def lottery_draw(*, actor, project_id: int) -> Lottery:
    """Draw with the committed seed, reveal it, and award the project to the pick."""
    with transaction.atomic():
        project = _procurement_project(
            actor,
            project_id,
            tier=Tier.GENERAL,
            allowed=(ProjectStatus.PROCUREMENT,),
            who_may=may_run_lottery,
        )
        lottery = Lottery.objects.select_for_update().filter(project=project).first()
        if lottery is None or lottery.drawn_at is not None:
            raise ConflictError(_("没有待抽签的备选名单。"))
        codes = [entry["credit_code"] for entry in lottery.shortlist]
        winner_entry = lottery.shortlist[lottery_rule.lottery_pick(lottery.seed, codes)]
        # Credit may have changed since the shortlist: the winner must still be eligible.
        company = _eligible_contractor(winner_entry["id"])
        lottery.winner = company
        lottery.seed_revealed = True
        lottery.drawn_by = actor
        lottery.drawn_at = timezone.now()
        lottery.save()
        _awarded(
            actor,
            project,
            company,
            ProcurementMethod.LIMITED,
            "procurement.lottery_drawn",
            {
                "winner": company.name,
                "seed": lottery.seed,
                "seed_hash": lottery.seed_hash,
                "shortlist_codes": codes,
            },
        )
    return lottery


def tender_record(
    *,
    actor,
    project_id: int,
    notice_date: date,
    bids: list[tuple[int, Any]],
    winner_id: int,
    reason: str,
    notice_reference: str = "",
    documents=None,
) -> Tender:
    """重大类: the public tender — notice, bidders and bids, winner and reason."""
    if len(bids) < 3:
        raise ValidationError({"bids": _("公开招标至少需要三家投标单位。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写评标结论。")})
    if documents:
        check_documents([documents])
    with transaction.atomic():
        project = _procurement_project(
            actor,
            project_id,
            tier=Tier.MAJOR,
            allowed=(ProjectStatus.APPROVED,),
            who_may=may_record_selection,
        )
        if len({b for b, _a in bids}) != len(bids):
            raise ValidationError({"bids": _("同一单位只能投标一次。")})
        if winner_id not in {b for b, _a in bids}:
            raise ValidationError({"winner": _("中标单位必须是投标单位之一。")})
        winner = _eligible_contractor(winner_id)
        tender = Tender.objects.create(
            project=project,
            notice_date=notice_date,
            winner=winner,
            reason=reason.strip(),
            notice_reference=notice_reference,
            documents=documents or "",
            recorded_by=actor,
        )
        rows = []
        for bidder_id, amount in bids:
            bidder = Organisation.objects.filter(
                pk=bidder_id, kind=OrganisationKind.CONTRACTOR
            ).first()
            if bidder is None:
                raise ValidationError({"bids": _("投标单位必须是名录库中的施工单位。")})
            rows.append(TenderBid(tender=tender, bidder=bidder, amount=parse_amount(amount)))
        TenderBid.objects.bulk_create(rows)
        _awarded(
            actor,
            project,
            winner,
            ProcurementMethod.OPEN,
            "procurement.tender_recorded",
            {
                "winner": winner.name,
                "notice_date": notice_date,
                "bids": [{"bidder": r.bidder.name, "amount": r.amount} for r in rows],
            },
        )
    return tender


# --- contract ----------------------------------------------------------------------------

CONTRACT_STAFF = {
    "project_manager": (StaffPosition.PROJECT_MANAGER, "contractor"),
    "safety_officer": (StaffPosition.SAFETY_OFFICER, "contractor"),
    "quality_inspector": (StaffPosition.QUALITY_INSPECTOR, "contractor"),
    "site_supervisor": (StaffPosition.SITE_SUPERVISOR, "supervision_unit"),
}


def contract_file(*, actor, project_id: int, data: dict[str, Any]) -> Contract:
    """合同备案: refused, naming what is missing, unless every required person is named."""
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if not may_record_selection(project, actor):
            raise PermissionDenied
        if project.status != ProjectStatus.PROCUREMENT or project.contractor_id is None:
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
            pk=_id(data.get("supervision_unit")), kind=OrganisationKind.SUPERVISOR
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
                pk=_id(data.get(field)),
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
        rate = data.get("retention_rate", Decimal("0.03"))
        if rate is None or not (Decimal("0") <= Decimal(str(rate)) <= Decimal("0.03")):
            errors["retention_rate"] = [_("质保金比例不得超过3%（建质〔2017〕138号）。")]
        if errors:
            raise ValidationError(errors)
        contract = Contract.objects.create(
            project=project,
            contractor_id=project.contractor_id,
            supervision_unit=supervision,
            amount=amount,
            start_date=start,
            end_date=end,
            retention_rate=Decimal(str(rate)),
            filed_by=actor,
            **staff,
        )
        before = {"status": project.status, "tier": project.tier}
        project.supervision_unit = supervision
        project.file_contract(by=actor)
        project.status_changed_at = timezone.now()
        project.contract = contract
        _recheck_tier(project)
        project.save()
        record_event(
            actor=actor,
            verb="contract.filed",
            obj=project,
            before=before,
            after={
                "status": project.status,
                "tier": project.tier,
                "amount": amount,
                "contractor": project.contractor.name,
                "supervision_unit": supervision.name,
                **{f: str(p) for f, p in staff.items()},
                "escalated_to": project.escalated_to,
            },
        )
    return contract


# --- design changes and escalation -------------------------------------------------------


def change_request(
    *, actor, project_id: int, amount_delta, reason: str, drawings=None
) -> ChangeOrder:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写变更理由。")})
    try:
        delta = parse_amount(str(amount_delta).lstrip("-"))
    except ValidationError as exc:
        raise ValidationError({"amount_delta": exc.messages}) from None
    if str(amount_delta).strip().startswith("-"):
        delta = -delta
    if drawings:
        check_documents([drawings])
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if not may_request_change(project, actor):
            raise PermissionDenied
        if not hasattr(project, "contract"):
            raise ConflictError(_("合同备案后才能申请设计变更。"))
        change = ChangeOrder.objects.create(
            project=project,
            amount_delta=delta,
            reason=reason.strip(),
            drawings=drawings or "",
            requested_by=actor,
        )
        record_event(
            actor=actor,
            verb="change.requested",
            obj=project,
            after={"change": change.pk, "amount_delta": delta, "reason": change.reason},
        )
    return change


def change_decide(*, actor, change_id: int, approve: bool, comment: str = "") -> ChangeOrder:
    """Approve or refuse a change; an approved one may lift the project into a higher tier."""
    with transaction.atomic():
        change = ChangeOrder.objects.select_for_update().filter(pk=change_id).first()
        if change is None:
            raise ApplicationError(_("变更不存在。"), status=404)
        project = access_project(actor, change.project_id, for_update=True)
        if not may_decide_change(project, change, actor):
            raise PermissionDenied
        if change.status != ChangeStatus.PENDING:
            raise ConflictError(_("该变更已处理。"))
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save()
        before = {"tier": project.tier, "escalated_to": project.escalated_to}
        after: dict[str, Any] = {"change": change.pk, "decision": change.status}
        if approve:
            contract = Contract.objects.select_for_update().get(project=project)
            contract.approved_changes_total = ChangeOrder.objects.filter(
                project=project, status=ChangeStatus.APPROVED
            ).aggregate(total=Sum("amount_delta"))["total"] or Decimal("0")
            contract.save(update_fields=["approved_changes_total", "updated_at"])
            project.contract = contract
            _recheck_tier(project)
            project.save()
            share = abs(contract.approved_changes_total) / contract.amount
            if share > LARGE_CHANGE_SHARE:
                Flag.objects.get_or_create(
                    project=project,
                    kind=FlagKind.LARGE_CHANGE,
                    key="cumulative",
                    defaults={
                        "summary": _("累计变更 %(total)s 元，占合同额 %(pct)s%%")
                        % {"total": contract.approved_changes_total, "pct": f"{share * 100:.1f}"}
                    },
                )
            after.update(
                {
                    "tier": project.tier,
                    "escalated_to": project.escalated_to,
                    "changes_total": contract.approved_changes_total,
                }
            )
        announce_project_changed(project.pk)
        record_event(
            actor=actor,
            verb="change.decided",
            obj=project,
            before=before,
            after=after,
            comment=comment,
        )
    return change


def _recheck_tier(project: Project) -> None:
    """SPEC §2: when the amount that counts crosses into a higher tier, the project must pass
    the missing steps of that tier's route before any further work or payment."""
    new_tier = project_tier(project)
    if TIER_RANK[new_tier] <= TIER_RANK[project.tier]:
        return
    passed = {
        "dept": project.dept_approved_by_id,
        "expert": project.expert_approved_by_id,
        "fiscal": project.fiscal_approved_by_id,
    }
    # The 发改局's decision is always taken again: 备案 of a 一般类 is not 立项 of a 重大类.
    project.escalation_steps = [s for s in ROUTE_STEPS[new_tier] if not passed.get(s)]
    project.escalated_to = new_tier
    project.tier = new_tier
    required = TIER_PROCUREMENT[new_tier]
    if project.procurement_method and (
        PROCUREMENT_STRENGTH[project.procurement_method] < PROCUREMENT_STRENGTH[required]
    ):
        Flag.objects.get_or_create(
            project=project,
            kind=FlagKind.WEAK_PROCUREMENT,
            key=new_tier,
            defaults={
                "summary": _("项目升级为%(tier)s，但采购方式为“%(method)s”，应为“%(required)s”。")
                % {
                    "tier": Tier(new_tier).label,
                    "method": ProcurementMethod(project.procurement_method).label,
                    "required": required.label,
                }
            },
        )


ESCALATION_FIELDS = {
    "dept": "dept_approved_by",
    "expert": "expert_approved_by",
    "fiscal": "fiscal_approved_by",
    "drc": "drc_approved_by",
}


def escalation_approve(*, actor, project_id: int, comment: str = "") -> Project:
    """Give the next missing approval of an escalated project, in route order."""
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if not project.escalated_to:
            raise ConflictError(_("项目没有待补的升级审批。"))
        if not may_approve_escalation(project, actor):
            raise PermissionDenied
        step = project.escalation_steps[0]
        before = {"escalation_steps": list(project.escalation_steps)}
        setattr(project, ESCALATION_FIELDS[step], actor)
        project.escalation_steps = project.escalation_steps[1:]
        if not project.escalation_steps:
            project.escalated_to = ""
        project.save()
        record_event(
            actor=actor,
            verb="project.escalation_approved",
            obj=project,
            before=before,
            after={
                "step": step,
                "escalation_steps": project.escalation_steps,
                "escalated_to": project.escalated_to,
            },
            comment=comment,
        )
    return project
