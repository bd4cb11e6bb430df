"""Procurement: direct award, the lottery among shortlisted companies, public tender."""

from datetime import date
from decimal import Decimal, InvalidOperation
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
    allowed_procurement,
)
from projects.models import Project
from projects.permissions import access_project

from .. import lottery as lottery_rule
from ..choices import LotteryParty
from ..events import (
    STEP_LABELS,
    consultation_recorded_event,
    direct_award_event,
    framework_ordered_event,
    lottery_committed_event,
    lottery_drawn_event,
    lottery_revealed_event,
    lottery_shortlisted_event,
    tender_recorded_event,
)
from ..models import (
    Consultation,
    ConsultationQuote,
    DirectAward,
    FrameworkAgreement,
    FrameworkOrder,
    Lottery,
    LotteryContribution,
    Tender,
    TenderBid,
)
from ..permissions import (
    lottery_party,
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


def _procurement_project(
    actor, project_id: int, *, method: ProcurementMethod, allowed, who_may
) -> Project:
    """The project, if this actor may record this procurement now: the method must be one the
    project needs — the stricter of its tier's and its class's (docs/rules.md §2). A project
    stopped for re-procurement takes one of its new tier's methods, or a public tender."""
    project = access_project(actor, project_id, for_update=True)
    if not who_may(project, actor):
        raise PermissionDenied
    methods = allowed_procurement(project.tier, project.project_class)
    reprocuring = project.stopped_for in PROCUREMENT_FOR_STOP
    if reprocuring:
        methods = (*methods, ProcurementMethod.OPEN)
    if method not in methods:
        raise ConflictError(
            _("%(tier)s%(cls)s项目须采用“%(required)s”，不采用此采购方式。")
            % {
                "tier": project.get_tier_display(),
                "cls": f"（{project.get_project_class_display()}）"
                if project.project_class
                else "",
                "required": "”或“".join(str(m.label) for m in dict.fromkeys(methods)),
            }
        )
    if reprocuring:
        _reprocurement_project(project)
    elif project.status not in allowed:
        raise ConflictError(
            _("项目当前状态为“%(status)s”，不能进行采购。")
            % {"status": project.get_status_display()}
        )
    return project


def _street_award_project(actor, project_id: int, method: ProcurementMethod) -> Project:
    """An award the street office records (direct award, tender, 磋商, 定点采购) on an approved
    project, or on one stopped for re-procurement."""
    return _procurement_project(
        actor,
        project_id,
        method=method,
        allowed=(ProjectStatus.APPROVED,),
        who_may=may_record_selection,
    )


def _recorded_already(actor, project_id: int, record):
    """The project's award record of this kind if one is on file and the actor may see and
    record it (a repeated submission is then answered with it); None otherwise."""
    project = access_project(actor, project_id)
    if not may_record_selection(project, actor):
        raise PermissionDenied
    return record.objects.filter(project=project).first()


def _reprocurement_project(project: Project) -> None:
    """A project stopped for re-procurement (docs/rules.md §2) takes a new award once the
    escalation's approvals are all given, and only while it waits for one."""
    if project.escalated_to:
        raise ConflictError(
            _("项目升级为%(tier)s后尚缺审批：%(steps)s，补齐后才能重新采购。")
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
        project = _street_award_project(actor, project_id, ProcurementMethod.DIRECT)
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
    """一般类: record the platform's two shortlisted contractors; the parties then commit and
    reveal (approvals/lottery.py). The platform's own secret, whose hash is published now,
    stands in for a party that does not reveal in time."""
    if len(contractor_ids) != 2 or len(set(contractor_ids)) != 2:
        raise ValidationError(
            {"contractor_ids": _("请按采购平台的顺序选择两家不同的备选施工单位。")}
        )
    with transaction.atomic(durable=True):
        project = _procurement_project(
            actor,
            project_id,
            method=ProcurementMethod.LIMITED,
            allowed=(ProjectStatus.APPROVED,),
            who_may=may_run_lottery,
        )
        companies = [_eligible_contractor(i) for i in contractor_ids]
        seed = lottery_rule.new_seed()
        lottery = Lottery.objects.create(
            project=project,
            seed=seed,
            seed_hash=lottery_rule.seed_hash(seed),
            reveal_by=timezone.now() + lottery_rule.REVEAL_PERIOD,
            recorded_by=actor,
            shortlist=[
                {"id": c.pk, "name": c.name, "credit_code": c.credit_code} for c in companies
            ],
        )
        before = {"status": project.status}
        if project.status == ProjectStatus.APPROVED:  # a stopped project stays stopped
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
                "reveal_by": lottery.reveal_by,
            },
        )
    return lottery


def _open_lottery(actor, project_id: int) -> tuple[Project, Lottery, str]:
    project = access_project(actor, project_id, for_update=True)
    party = lottery_party(project, actor)
    if party is None:  # nobody else takes part
        raise PermissionDenied
    lottery = Lottery.objects.select_for_update().filter(project=project).first()
    waiting = project.status == ProjectStatus.PROCUREMENT or (
        project.stopped_for in PROCUREMENT_FOR_STOP and project.stop_step == StopStep.AWARD
    )
    if lottery is None or lottery.drawn_at is not None or not waiting:
        raise ConflictError(_("没有待抽签的备选名单。"))
    return project, lottery, party


def lottery_commit(*, actor, project_id: int, commitment: str) -> LotteryContribution:
    """A party's commitment: the SHA-256 (64 hex digits) of a secret only it knows."""
    commitment = (commitment or "").strip().lower()
    with transaction.atomic(durable=True):
        project, lottery, party = _open_lottery(actor, project_id)  # who may, first
        if not lottery_rule.HEX64.match(commitment):
            raise ValidationError(
                {"commitment": _("承诺值须为秘密口令的 SHA-256（64 位十六进制）。")}
            )
        mine = LotteryContribution.objects.filter(lottery=lottery, party=party).first()
        if mine is not None:
            if mine.commitment == commitment:
                return mine  # the same commitment again: answered like the first
            raise ConflictError(_("本方已提交承诺值，不能更改。"))
        if lottery.reveal_by and timezone.now() > lottery.reveal_by:
            raise ConflictError(_("承诺和揭示期限已过。"))
        mine = LotteryContribution.objects.create(
            lottery=lottery, party=party, user=actor, commitment=commitment
        )
        lottery_committed_event(
            actor=actor, project=project, after={"party": party, "commitment": commitment}
        )
    return mine


def lottery_reveal(*, actor, project_id: int, secret: str) -> LotteryContribution:
    """A party's secret, once every party has committed; it must hash to the commitment."""
    secret = (secret or "").strip()
    with transaction.atomic(durable=True):
        project, lottery, party = _open_lottery(actor, project_id)  # who may, first
        if not secret or len(secret) > 200:
            raise ValidationError({"secret": _("请填写提交承诺时使用的秘密口令。")})
        parts = {c.party: c for c in LotteryContribution.objects.filter(lottery=lottery)}
        mine = parts.get(party)
        if mine is None:
            raise ConflictError(_("本方尚未提交承诺值。"))
        if mine.reveal:
            if mine.reveal == secret:
                return mine
            raise ConflictError(_("本方已揭示，不能更改。"))
        if set(parts) != set(lottery_rule.PARTIES):
            raise ConflictError(_("各方都提交承诺值后才能揭示。"))
        if lottery_rule.seed_hash(secret) != mine.commitment:
            raise ValidationError({"secret": _("口令与承诺值不符（SHA-256 不一致）。")})
        mine.reveal = secret
        mine.revealed_at = timezone.now()
        mine.save(update_fields=["reveal", "revealed_at", "updated_at"])
        lottery_revealed_event(
            actor=actor, project=project, after={"party": party, "reveal": secret}
        )
    return mine


def lottery_draw(*, actor, project_id: int) -> Lottery:
    """Draw once every party has revealed (or the period has ended: a missing reveal is then the
    platform's published secret), and award the project to the pick."""
    with transaction.atomic(durable=True):
        project = _procurement_project(
            actor,
            project_id,
            method=ProcurementMethod.LIMITED,
            allowed=(ProjectStatus.PROCUREMENT,),
            who_may=may_run_lottery,
        )
        lottery = Lottery.objects.select_for_update().filter(project=project).first()
        if lottery is None or lottery.drawn_at is not None:
            raise ConflictError(_("没有待抽签的备选名单。"))
        parts = {c.party: c for c in LotteryContribution.objects.filter(lottery=lottery)}
        missing = [p for p in lottery_rule.PARTIES if not (p in parts and parts[p].reveal)]
        if missing and lottery.reveal_by and timezone.now() <= lottery.reveal_by:
            raise ConflictError(
                _("尚有参与方未揭示：%(parties)s；揭示截止 %(until)s 后由平台预先公示的种子替代。")
                % {
                    "parties": "、".join(str(LotteryParty(p).label) for p in missing),
                    "until": timezone.localtime(lottery.reveal_by).strftime("%Y-%m-%d %H:%M"),
                }
            )
        reveals = [
            parts[p].reveal if p not in missing else lottery.seed for p in lottery_rule.PARTIES
        ]
        lottery.draw_seed = lottery_rule.combined_seed(reveals)
        lottery.replaced = missing
        codes = [entry["credit_code"] for entry in lottery.shortlist]
        winner_entry = lottery.shortlist[lottery_rule.lottery_pick(lottery.draw_seed, codes)]
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
                "reveals": reveals,
                "replaced": missing,
                "seed": lottery.draw_seed,
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
        project = _street_award_project(actor, project_id, ProcurementMethod.OPEN)
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


# 政府采购竞争性磋商采购方式管理暂行办法: a panel of three or more, an odd number; at least three
# suppliers; the supplier with the highest overall score is chosen (docs/rules.md §2).
CONSULTATION_MIN_SUPPLIERS = 3
CONSULTATION_MIN_PANEL = 3


def _score(value) -> Decimal | None:
    """A panel's overall score: 0 to 100, at most two decimals; anything else is None."""
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if (
        not points.is_finite()
        or not 0 <= points <= 100
        or points != points.quantize(Decimal("0.01"))
    ):
        return None
    return points


def consultation_record(
    *,
    actor,
    project_id: int,
    notice_date: date,
    panel: list[str],
    quotes: list[tuple[int, Any, Any]],
    winner_id: int | None,
    reason: str,
    notice_reference: str = "",
    documents=None,
) -> Consultation:
    """B类 竞争性磋商: the panel, each supplier's final quote and score, the chosen supplier."""
    panel = [name.strip() for name in panel if name and name.strip()]
    errors: dict[str, list[str]] = {}
    if len(panel) < CONSULTATION_MIN_PANEL or len(panel) % 2 == 0:
        errors["panel"] = [_("磋商小组须由三人以上单数组成。")]
    if len(set(panel)) != len(panel):
        errors.setdefault("panel", []).append(_("磋商小组成员不能重复。"))
    if len(quotes) < CONSULTATION_MIN_SUPPLIERS:
        errors["quotes"] = [_("竞争性磋商至少需要三家供应商的报价和得分。")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写磋商结论。")]
    rows: list[tuple[int, Any, Any]] = []
    for supplier, amount, score in quotes:
        try:
            value = parse_amount(amount)
        except ValidationError:
            value = None
        points = _score(score)
        if value is None or points is None:
            errors.setdefault("quotes", []).append(_("报价须为正数，得分须在 0 到 100 之间。"))
            break
        rows.append((supplier, value, points))
    if len({r[0] for r in rows}) != len(rows):
        errors.setdefault("quotes", []).append(_("同一供应商只能报价一次。"))
    if errors:
        raise ValidationError(errors)
    if documents:
        check_documents([documents])
    best = max(r[2] for r in rows)
    with transaction.atomic(durable=True):
        again = _recorded_already(actor, project_id, Consultation)
        if (
            again is not None
            and again.winner_id == winner_id
            and {(q.supplier_id, q.amount, q.score) for q in again.quotes.all()} == set(rows)
        ):
            return again  # the same consultation sent twice: answered like the first
        project = _street_award_project(actor, project_id, ProcurementMethod.COMPETITIVE)
        if winner_id not in {r[0] for r in rows}:
            raise ValidationError({"winner": _("成交供应商必须是参加磋商的供应商之一。")})
        if next(r[2] for r in rows if r[0] == winner_id) != best:
            raise ValidationError({"winner": _("成交供应商须为综合得分最高的供应商。")})
        winner = _eligible_contractor(winner_id)
        suppliers = {
            o.pk: o
            for o in Organisation.objects.filter(
                pk__in=[r[0] for r in rows], kind=OrganisationKind.CONTRACTOR
            )
        }
        if len(suppliers) != len(rows):
            raise ValidationError({"quotes": _("供应商必须是名录库中的施工单位。")})
        consultation = Consultation.objects.create(
            project=project,
            notice_date=notice_date,
            notice_reference=notice_reference.strip(),
            panel=panel,
            winner=winner,
            reason=reason.strip(),
            documents=documents or "",
            recorded_by=actor,
        )
        ConsultationQuote.objects.bulk_create(
            ConsultationQuote(
                consultation=consultation, supplier=suppliers[s], amount=a, score=points
            )
            for s, a, points in rows
        )
        _awarded(
            actor,
            project,
            winner,
            ProcurementMethod.COMPETITIVE,
            consultation_recorded_event,
            {
                "winner": winner.name,
                "notice_date": notice_date,
                "panel": panel,
                "quotes": [
                    {"supplier": suppliers[s].name, "amount": a, "score": points}
                    for s, a, points in rows
                ],
            },
        )
    return consultation


def framework_agreements_in_force(on: date):
    """The 定点采购 list on a day, its suppliers still eligible first."""
    return (
        FrameworkAgreement.objects.filter(valid_from__lte=on, valid_to__gte=on)
        .select_related("supplier")
        .order_by("supplier__name", "id")
    )


def framework_order(*, actor, project_id: int, agreement_id, reason: str) -> FrameworkOrder:
    """B类 定点采购: the works called off from an agreement in force today, with the reason."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写选定该定点供应商的理由。")})
    with transaction.atomic(durable=True):
        again = _recorded_already(actor, project_id, FrameworkOrder)
        if again is not None and again.agreement_id == _id(agreement_id):
            return again  # the same call-off sent twice: answered like the first
        project = _street_award_project(actor, project_id, ProcurementMethod.FRAMEWORK)
        today = timezone.localdate()
        agreement = framework_agreements_in_force(today).filter(pk=_id(agreement_id)).first()
        if agreement is None:
            raise ValidationError({"agreement": _("请选择有效期内的定点采购名录（入围供应商）。")})
        company = _eligible_contractor(agreement.supplier_id)
        order = FrameworkOrder.objects.create(
            project=project, agreement=agreement, reason=reason.strip(), recorded_by=actor
        )
        _awarded(
            actor,
            project,
            company,
            ProcurementMethod.FRAMEWORK,
            framework_ordered_event,
            {"contractor": company.name, "agreement": agreement.reference, "reason": order.reason},
        )
    return order
