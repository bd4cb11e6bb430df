"""Procurement: direct award, the lottery among shortlisted companies, public tender."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from core.errors import ApplicationError, ConflictError
from core.money import parse_amount
from core.uploads import check_documents
from projects.choices import (
    PROCUREMENT_FOR_STOP,
    ProcurementMethod,
    ProjectStatus,
    StopStep,
    Tier,
)
from projects.models import Project
from projects.permissions import access_project

from .. import lottery as lottery_rule
from ..events import (
    STEP_LABELS,
    direct_award_event,
    lottery_drawn_event,
    lottery_shortlisted_event,
    tender_recorded_event,
)
from ..models import DirectAward, Lottery, Tender, TenderBid
from ..permissions import (
    may_record_selection,
    may_run_lottery,
)


def _id(value) -> int | None:
    """An id from a form or JSON; anything else (blank, text) is simply no choice."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _eligible_contractor(organisation_id) -> Organisation:
    company = Organisation.objects.filter(
        pk=_id(organisation_id),  # type: ignore[misc]  # None matches no row
        kind=OrganisationKind.CONTRACTOR,
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


def _reprocurement_project(actor, project: Project) -> None:
    """A project stopped for re-procurement (docs/rules.md §2) takes a public tender — the
    strongest award, lifting every re-procurement stop — once the escalation's approvals are
    all given, and only while it waits for an award."""
    if not may_record_selection(project, actor):
        raise PermissionDenied
    if project.escalated_to:
        raise ConflictError(
            _("项目升级为%(tier)s后尚缺审批：%(steps)s，补齐后才能重新招标。")
            % {
                "tier": project.get_escalated_to_display(),
                "steps": "、".join(str(STEP_LABELS.get(s, s)) for s in project.escalation_steps),
            }
        )
    if project.stop_step != StopStep.AWARD:
        raise ConflictError(_("已重新确定施工单位，请备案新合同。"))


def direct_award(*, actor, project_id: int, contractor_id: int, reason: str) -> DirectAward:
    """简易类: a qualified contractor from the directory, with the reason recorded."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写直接委托的理由。")})
    with transaction.atomic(durable=True):
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
            direct_award_event,
            {"contractor": company.name, "reason": award.reason},
        )
    return award


def _awarded(
    actor, project: Project, company: Organisation, method: str, event, after: dict
) -> None:
    before = {"status": project.status}
    if project.status == ProjectStatus.APPROVED:
        project.start_procurement(by=actor)
    if project.stopped_for:  # re-procured: the new award's contract comes next
        project.stop_step = StopStep.CONTRACT
        after = {**after, "stop_step": project.stop_step}
    project.contractor = company
    project.procurement_method = method
    project.status_changed_at = timezone.now()
    project.save()
    event(
        actor=actor,
        project=project,
        before=before,
        after={"status": project.status, "procurement_method": method, **after},
    )


def lottery_shortlist(*, actor, project_id: int, contractor_ids: list[int]) -> Lottery:
    """一般类: record the platform's two shortlisted contractors and publish the seed's hash."""
    if len(contractor_ids) != 2 or len(set(contractor_ids)) != 2:
        raise ValidationError(
            {"contractor_ids": _("请按采购平台的顺序选择两家不同的备选施工单位。")}
        )
    with transaction.atomic(durable=True):
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
        lottery_shortlisted_event(
            actor=actor,
            project=project,
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
    with transaction.atomic(durable=True):
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
            lottery_drawn_event,
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
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if project.stopped_for and project.stopped_for not in PROCUREMENT_FOR_STOP:
            raise ConflictError(project.stop_message())  # past the ceiling: no tender here
        if project.stopped_for in PROCUREMENT_FOR_STOP:
            _reprocurement_project(actor, project)
        else:
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
            tender_recorded_event,
            {
                "winner": winner.name,
                "notice_date": notice_date,
                "bids": [{"bidder": r.bidder.name, "amount": r.amount} for r in rows],
            },
        )
    return tender
