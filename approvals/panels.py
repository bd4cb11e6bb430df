"""The approval, procurement, contract and change sections of the project page."""

from django.utils import timezone

from accounts.choices import Role, StaffPosition
from accounts.models import Organisation
from projects.choices import (
    PROCUREMENT_FOR_STOP,
    REVIEW_STATUSES,
    ProcurementMethod,
    ProjectStatus,
    StopStep,
    allowed_procurement,
)
from projects.services import user_transitions

from . import routes
from .choices import ChangeStatus, LotteryParty
from .lottery import PARTIES, lottery_pick
from .lottery_check import lottery_check_command
from .models import (
    ChangeOrder,
    Consultation,
    DirectAward,
    Flag,
    FrameworkOrder,
    Lottery,
    ScheduleExtension,
    Tender,
)
from .permissions import (
    lottery_party,
    may_approve_escalation,
    may_decide_change,
    may_record_selection,
    may_request_change,
    may_run_lottery,
)
from .selectors import (
    FLAG_READERS,
    contractor_staff,
    eligible_contractors,
    supervision_units_with_staff,
)
from .services.changes import HALTABLE
from .services.procurement import framework_agreements_in_force

# Rows of the 竞争性磋商 form: at least three suppliers, room for five.
QUOTE_ROWS = range(5)


def approval_panel(request, project):
    user = request.user
    transitions = user_transitions(project, user)
    waiting = routes.step_of(project)
    params = (
        set(waiting.sets)
        if waiting and any(t.name == waiting.transition for t in transitions)
        else set()
    )
    status = project.status
    procuring = status not in (
        ProjectStatus.DRAFT,
        ProjectStatus.RETURNED,
        ProjectStatus.REJECTED,
        ProjectStatus.CANCELLED,
        *REVIEW_STATUSES,
    )
    # The records of the procurement the project needs, or the one it had (an escalated
    # project keeps its lottery on the page beside the tender it now needs).
    allowed = allowed_procurement(project.tier, project.project_class)
    methods = {*allowed, project.procurement_method}
    lottery = (
        Lottery.objects.filter(project=project)
        .select_related("winner")
        .prefetch_related("contributions")
        .first()
        if procuring and ProcurementMethod.LIMITED in methods
        else None
    )
    tender = (
        (
            Tender.objects.filter(project=project)
            .select_related("winner")
            .prefetch_related("bids__bidder")
            .first()
        )
        if procuring and ProcurementMethod.OPEN in methods
        else None
    )
    award = (
        DirectAward.objects.filter(project=project).select_related("contractor").first()
        if procuring and ProcurementMethod.DIRECT in methods
        else None
    )
    consultation = (
        Consultation.objects.filter(project=project)
        .select_related("winner")
        .prefetch_related("quotes__supplier")
        .first()
        if procuring and ProcurementMethod.COMPETITIVE in methods
        else None
    )
    framework = (
        FrameworkOrder.objects.filter(project=project).select_related("agreement__supplier").first()
        if procuring and ProcurementMethod.FRAMEWORK in methods
        else None
    )
    contract = (
        getattr(project, "contract", None)
        if status not in (ProjectStatus.DRAFT, *REVIEW_STATUSES, ProjectStatus.APPROVED)
        else None
    )
    selecting = status == ProjectStatus.APPROVED
    may_select = selecting and may_record_selection(project, user)
    can_direct = may_select and ProcurementMethod.DIRECT in allowed
    can_consult = may_select and ProcurementMethod.COMPETITIVE in allowed
    can_framework = may_select and ProcurementMethod.FRAMEWORK in allowed
    # a project stopped for re-procurement takes a tender once its approvals are complete
    reprocuring = (
        project.stopped_for in PROCUREMENT_FOR_STOP
        and project.stop_step == StopStep.AWARD
        and not project.escalated_to
    )
    can_tender = (
        (selecting and ProcurementMethod.OPEN in allowed) or reprocuring
    ) and may_record_selection(project, user)
    can_shortlist = (
        (selecting or (reprocuring and lottery is None))
        and ProcurementMethod.LIMITED in allowed
        and may_run_lottery(project, user)
    )
    can_draw = (
        (status == ProjectStatus.PROCUREMENT or reprocuring)
        and lottery is not None
        and lottery.drawn_at is None
        and may_run_lottery(project, user)
    )
    can_contract = (
        (status == ProjectStatus.PROCUREMENT or project.stop_step == StopStep.CONTRACT)
        and project.contractor_id is not None
        and may_record_selection(project, user)
    )
    changes = (
        list(ChangeOrder.objects.filter(project=project).select_related("requested_by"))
        if contract
        else []
    )
    extensions = (
        list(ScheduleExtension.objects.filter(project=project).select_related("requested_by"))
        if contract
        else []
    )
    may_extend = (
        contract is not None
        and status in HALTABLE
        and not project.completed_at
        and may_request_change(project, user)
        and not any(e.status == ChangeStatus.PENDING for e in extensions)
    )
    context = {
        "project": project,
        "transitions": transitions,
        "needs_reviewed_budget": "reviewed_budget" in params,
        "needs_approved_budget": "approved_budget" in params,
        # The comment box only for someone who can return or reject now (not on a draft).
        "needs_comment": any(t.custom.get("comment_required") for t in transitions),
        "irreversible": [
            str(t.custom["label"]) for t in transitions if t.custom.get("irreversible")
        ],
        "needs_justification": project.split_flagged
        and not project.split_justification
        and any(t.custom.get("route_step") for t in transitions),
        "lottery": lottery,
        "lottery_red_listed": _red_listed(lottery),
        "lottery_check": _lottery_check(lottery),
        **_lottery_parties(project, lottery, user),
        "tender": tender,
        "award": award,
        "consultation": consultation,
        "framework": framework,
        "contract": contract,
        "changes": [(c, may_decide_change(project, c, user)) for c in changes],
        "can_request_change": contract is not None and may_request_change(project, user),
        "extensions": [(e, may_decide_change(project, e, user)) for e in extensions],
        "can_request_extension": may_extend,
        "can_direct": can_direct,
        "can_consult": can_consult,
        "can_framework": can_framework,
        "can_tender": can_tender,
        "can_shortlist": can_shortlist,
        "can_draw": can_draw,
        "can_contract": can_contract,
        "can_escalate": bool(project.escalated_to) and may_approve_escalation(project, user),
        "escalation_labels": _escalation_labels(project),
        "flags": list(Flag.objects.filter(project=project))
        if user.role in FLAG_READERS or user.role == Role.STREET_STAFF
        else [],
    }
    if can_direct or can_tender or can_shortlist or can_consult:
        context["contractors"] = eligible_contractors()
    if can_consult:
        context["quote_rows"] = QUOTE_ROWS
    if can_framework:
        context["agreements"] = framework_agreements_in_force(timezone.localdate())
    if can_contract:
        context["staff"] = contractor_staff(project.contractor_id)
        context["supervision_units"] = supervision_units_with_staff()
        context["site_supervisor"] = StaffPosition.SITE_SUPERVISOR
    return "approvals/_panel.html", context


def _escalation_labels(project) -> list:
    """The missing steps of an escalated project, named as its new tier's route names them."""
    if not project.escalated_to:
        return []
    route = routes.route_for(project.escalated_to)
    return [(step.label if (step := route.step(key)) else key) for key in project.escalation_steps]


def _red_listed(lottery) -> set[int]:
    """The shortlisted companies on the red list today, marked beside their names; the list
    keeps the recorded order the draw's index refers to."""
    if lottery is None:
        return set()
    return set(
        Organisation.objects.filter(
            pk__in=[entry["id"] for entry in lottery.shortlist],
            red_listed_until__gte=timezone.localdate(),
        ).values_list("pk", flat=True)
    )


def _lottery_check(lottery):
    """Recompute the pick from the published seed of a draw before commit–reveal."""
    if lottery is None or not lottery.seed_revealed or lottery.draw_seed:
        return None
    codes = [entry["credit_code"] for entry in lottery.shortlist]
    index = lottery_pick(lottery.seed, codes)
    return {"codes": codes, "index": index, "input": "|".join([lottery.seed, *codes])}


def _lottery_parties(project, lottery, user) -> dict:
    """Each party's commitment and reveal as the page shows them, and what this user may do."""
    if lottery is None:
        return {}
    parts = {c.party: c for c in lottery.contributions.all()}
    mine = lottery_party(project, user)
    waiting = lottery.drawn_at is None
    all_in = set(parts) == set(PARTIES)
    own = parts.get(mine) if mine else None
    return {
        "lottery_parties": [(LotteryParty(p).label, parts.get(p)) for p in PARTIES],
        "lottery_can_commit": waiting and mine is not None and own is None,
        "lottery_can_reveal": waiting and own is not None and not own.reveal and all_in,
        "lottery_all_revealed": all_in and all(c.reveal for c in parts.values()),
        "lottery_command": lottery_check_command(lottery),
    }
