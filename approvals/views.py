"""Approval pages: transitions, procurement, contract filing, changes, escalation, flags.

Each is a POST from the project page that calls one service and returns to the page with the
outcome, or the refusal in the user's language."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.pages import run_and_return
from core.replica import replica_reads
from projects.contract_terms import RETENTION_DEFAULT
from projects.services import irreversible_transitions

from . import routes, services
from .selectors import flag_list


def _run(request, pk, action, success: str):
    return run_and_return(request, action, success, reverse("projects:detail", args=[pk]))


@login_required
@require_POST
def transition_view(request, pk, name):
    post = request.POST
    if name in irreversible_transitions() and post.get("confirm") != "1":
        # A project ended for good by one stray click was the complaint: the page asks first.
        messages.error(request, _("此操作不可撤回，请勾选“我已确认”后再提交。"))
        return redirect("projects:detail", pk=pk)
    return _run(
        request,
        pk,
        lambda: services.project_transition(
            actor=request.user,
            project_id=pk,
            name=name,
            comment=post.get("comment", ""),
            params={k: post.get(k) for k in routes.table().inputs()},
            split_justification=post.get("split_justification", ""),
        ),
        _("操作成功。"),
    )


@login_required
@require_POST
def direct_award_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.direct_award(
            actor=request.user,
            project_id=pk,
            contractor_id=request.POST.get("contractor"),
            reason=request.POST.get("reason", ""),
        ),
        _("已记录直接委托。"),
    )


@login_required
@require_POST
def lottery_shortlist_view(request, pk):
    ids = [request.POST.get("first"), request.POST.get("second")]

    def act():
        if not all(i and i.isdigit() for i in ids):
            raise ValidationError(_("请按采购平台的顺序选择两家不同的备选施工单位。"))
        services.lottery_shortlist(
            actor=request.user, project_id=pk, contractor_ids=[int(i) for i in ids]
        )

    return _run(request, pk, act, _("备选名单已记录，种子哈希已公示。"))


@login_required
@require_POST
def lottery_draw_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.lottery_draw(actor=request.user, project_id=pk),
        _("抽签完成，种子已公开。"),
    )


@login_required
@require_POST
def lottery_commit_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.lottery_commit(
            actor=request.user, project_id=pk, commitment=request.POST.get("commitment", "")
        ),
        _("承诺值已提交。请保管好口令，各方提交后揭示。"),
    )


@login_required
@require_POST
def lottery_reveal_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.lottery_reveal(
            actor=request.user, project_id=pk, secret=request.POST.get("secret", "")
        ),
        _("口令已揭示。"),
    )


@login_required
@require_POST
def tender_view(request, pk):
    post = request.POST

    def act():
        bids = []
        for bidder, amount in zip(post.getlist("bidder"), post.getlist("bid_amount"), strict=False):
            if bidder and amount:
                if not bidder.isdigit():
                    raise ValidationError(_("投标单位无效。"))
                bids.append((int(bidder), amount))
        try:
            notice = date.fromisoformat(post.get("notice_date", ""))
        except ValueError:
            raise ValidationError(_("请填写招标公告日期。")) from None
        winner = post.get("winner", "")
        services.tender_record(
            actor=request.user,
            project_id=pk,
            notice_date=notice,
            bids=bids,
            winner_id=int(winner) if winner.isdigit() else None,
            reason=post.get("reason", ""),
            notice_reference=post.get("notice_reference", ""),
            documents=request.FILES.get("documents"),
        )

    return _run(request, pk, act, _("招标记录已保存。"))


@login_required
@require_POST
def consultation_view(request, pk):
    post = request.POST

    def act():
        quotes = []
        rows = zip(
            post.getlist("supplier"),
            post.getlist("quote_amount"),
            post.getlist("quote_score"),
            strict=False,
        )
        for supplier, amount, score in rows:
            if supplier or amount or score:
                if not supplier.isdigit():
                    raise ValidationError(_("请为每一行报价选择供应商。"))
                quotes.append((int(supplier), amount, score))
        try:
            notice = date.fromisoformat(post.get("notice_date", ""))
        except ValueError:
            raise ValidationError(_("请填写磋商公告日期。")) from None
        winner = post.get("winner", "")
        services.consultation_record(
            actor=request.user,
            project_id=pk,
            notice_date=notice,
            panel=post.get("panel", "").splitlines(),
            quotes=quotes,
            winner_id=int(winner) if winner.isdigit() else None,
            reason=post.get("reason", ""),
            notice_reference=post.get("notice_reference", ""),
            documents=request.FILES.get("documents"),
        )

    return _run(request, pk, act, _("磋商记录已保存。"))


@login_required
@require_POST
def framework_order_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.framework_order(
            actor=request.user,
            project_id=pk,
            agreement_id=request.POST.get("agreement"),
            reason=request.POST.get("reason", ""),
        ),
        _("已记录定点采购。"),
    )


@login_required
@require_POST
def contract_view(request, pk):
    post = request.POST

    def act():
        data = {
            k: post.get(k)
            for k in (
                "amount",
                "supervision_unit",
                "project_manager",
                "safety_officer",
                "quality_inspector",
                "site_supervisor",
            )
        }
        for field in ("start_date", "end_date"):
            try:
                data[field] = date.fromisoformat(post.get(field, ""))
            except ValueError:
                data[field] = None
        rate = post.get("retention_rate_percent", "").strip()
        try:
            data["retention_rate"] = Decimal(rate) / 100 if rate else RETENTION_DEFAULT
        except ArithmeticError:
            data["retention_rate"] = None
        services.contract_file(actor=request.user, project_id=pk, data=data)

    return _run(request, pk, act, _("合同已备案。"))


@login_required
@require_POST
def change_request_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.change_request(
            actor=request.user,
            project_id=pk,
            amount_delta=request.POST.get("amount_delta", ""),
            reason=request.POST.get("reason", ""),
            drawings=request.FILES.get("drawings"),
        ),
        _("变更申请已提交。"),
    )


@login_required
@require_POST
def change_decide_view(request, pk, change_id):
    approve = request.POST.get("decision") == "approve"
    return _run(
        request,
        pk,
        lambda: services.change_decide(
            actor=request.user,
            change_id=change_id,
            approve=approve,
            comment=request.POST.get("comment", ""),
        ),
        _("变更已处理。"),
    )


@login_required
@require_POST
def extension_request_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.extension_request(
            actor=request.user,
            project_id=pk,
            new_end=request.POST.get("new_end", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("延期申请已提交。"),
    )


@login_required
@require_POST
def extension_decide_view(request, pk, extension_id):
    return _run(
        request,
        pk,
        lambda: services.extension_decide(
            actor=request.user,
            extension_id=extension_id,
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
        ),
        _("延期申请已处理。"),
    )


@login_required
@require_POST
def escalation_approve_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.escalation_approve(
            actor=request.user, project_id=pk, comment=request.POST.get("comment", "")
        ),
        _("已补充审批。"),
    )


@replica_reads
@login_required
@require_GET
def flag_list_view(request):
    page = Paginator(flag_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "approvals/flag_list.html", {"page": page})
