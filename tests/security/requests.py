"""How to call each route on one side's objects: the URL's arguments and a valid body, so that
what decides the answer is who asks, not a malformed request. Keyed by (route name, method)."""

import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD

from .world import ACCOUNT, QUARTER, photo_file

SAMPLE = {
    "int": "1",
    "slug": "file",
    "str": "x",
    "path": "x/y",
    "uuid": "00000000-0000-0000-0000-000000000000",
}
TODAY = timezone.localdate().isoformat()


def _another_inspector(plan_id: int, project_id: int) -> int:
    """An inspector who may check the project in the plan and is not yet assigned to it."""
    from inspections.models import SpotCheckPlan

    plan = SpotCheckPlan.objects.get(pk=plan_id)
    draw = next(d for d in plan.draws if d["project"] == project_id)
    excluded = set(plan.inputs["conflicts"].get(str(project_id), ())) | {draw["assigned"]}
    return next(u for u in plan.inputs["inspectors"] if u not in excluded)


def _anomaly_row() -> dict:
    """A row of an anomaly list over every project, to open a lead from (the world has some)."""
    from dashboards.anomalies import KINDS
    from projects.models import Project

    for kind in KINDS.values():
        for row in kind.rows(Project.objects.all()):
            return {"kind": kind.slug, "row_key": row.key, "query": ""}
    raise AssertionError("the world plants no anomaly")


def walk(patterns=None, prefix="", namespace=""):
    """Every URL pattern as (sample path, name); the admin's regex patterns get sample values."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + _sample(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}{p.name}" if p.name else ""
            yield prefix + _sample(p.pattern), name


def _sample(pattern) -> str:
    text = str(pattern)
    if text.startswith("^"):  # regex (the admin's): fill named groups with a sample value
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "1" if "id" in m[1] else "auth", text)
        text = re.sub(r"\(\?:[^)]*\)\??", "", text)
        return text.strip("^$").replace("\\", "")
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m[1] or "str", "x"), text)


def route_names() -> set[str]:
    """Named routes; the admin's many patterns count as one, `admin:*`."""
    return {
        (
            "admin:*"
            if (name.startswith("admin:") and name not in ADMIN_OWN_ROWS) or not name
            else name
        )
        for _url, name in walk()
    }


ADMIN_OWN_ROWS = {"admin:login", "admin:logout"}  # public, unlike the rest of the admin


def _contract(w, s):
    from accounts.models import CompanyStaff

    staff = {
        p: CompanyStaff.objects.get(organisation=s.contractor, position=p).pk
        for p in ("project_manager", "safety_officer", "quality_inspector")
    }
    return {
        "amount": "36000",
        "start_date": "2027-01-04",
        "end_date": "2027-03-31",
        "supervision_unit": s.supervision.pk,
        "site_supervisor": CompanyStaff.objects.get(
            organisation=s.supervision, position="site_supervisor"
        ).pk,
        **staff,
    }


def _bidders(w, s):
    return [
        s.contractor.pk,
        w.d.builder_c.pk,
        (w.d.builder_b if s.contractor == w.d.builder else w.d.builder).pk,
    ]


def _project_data(_w, _s):
    return {
        "name": "新增人行道修复",
        "address": "荔城区",
        "category": "road",
        "project_class": "C",
        "budget_amount": "30000.00",
        "planned_start": "2027-01-04",
        "planned_end": "2027-02-01",
        "description": "修复",
    }


def _project_form(w, s):
    return {
        **_project_data(w, s),
        "latitude": "",
        "longitude": "",
        "attachment_kind": "application",
    }


def _patrol(w, s):
    return {
        "client_key": w.key(),
        "log_date": TODAY,
        "weather": "晴",
        "work_done": "铺砖",
        "head_count": "5",
        "photos": [photo_file(7)],
    }


def _token(w, s) -> str:
    """The acting user's own token on the own side, another user's on the other side."""
    owner = (w.acting or w.own.street_user) if s is w.own else w.other.street_user
    return w.tokens[owner.pk]


def _download(w, s) -> dict:
    """The acting user's own file on the own side, another user's on the other side (a file
    made for its owner, core.downloads)."""
    import uuid

    from django.core.files.base import ContentFile

    from core.models import Download, DownloadState

    owner = (w.acting or w.own.street_user) if s is w.own else w.other.street_user
    made = Download(
        owner=owner,
        kind="dashboards.projects",
        title="项目清单",
        language="zh-hans",
        key=uuid.uuid4().hex,
        state=DownloadState.READY,
        filename="projects.xlsx",
        content_type="application/octet-stream",
        size=4,
    )
    made.file.save("projects.xlsx", ContentFile(b"test"), save=False)
    made.save()
    return {"pk": made.pk}


P = "pk"
# (name, method) -> (url kwargs(w, side), body(w, side) or None, how the body is sent)
SPECS = {
    ("home", "GET"): (lambda w, s: {}, None, None),
    ("accounts:directory", "GET"): (lambda w, s: {}, None, None),
    ("admin:*", "GET"): (lambda w, s: {}, None, None),
    ("admin:login", "GET"): (lambda w, s: {}, None, None),
    ("admin:logout", "POST"): (lambda w, s: {}, lambda w, s: {}, "form"),
    ("api-docs", "GET"): (lambda w, s: {}, None, None),
    ("api-schema", "GET"): (lambda w, s: {}, None, None),
    ("api-token", "POST"): (
        lambda w, s: {},
        lambda w, s: {"username": "street_zhenhai", "password": PASSWORD},
        "json",
    ),
    ("api-tokens", "GET"): (lambda w, s: {}, None, None),
    ("api-token-revoke", "POST"): (
        lambda w, s: {"token_id": _token(w, s)},
        lambda w, s: {},
        "json",
    ),
    ("api-logout", "POST"): (lambda w, s: {}, lambda w, s: {}, "json"),
    ("api-logout-all", "POST"): (lambda w, s: {}, lambda w, s: {}, "json"),
    ("accounts:tokens", "GET"): (lambda w, s: {}, None, None),
    ("downloads", "GET"): (lambda w, s: {}, None, None),
    ("download", "GET"): (_download, None, None),
    ("download_file", "GET"): (_download, None, None),
    ("accounts:villages", "GET"): (lambda w, s: {}, None, None),
    ("accounts:villages", "POST"): (lambda w, s: {}, lambda w, s: {"name": "新建村"}, "form"),
    ("accounts:village_appoint", "POST"): (
        lambda w, s: {"village_id": s.village_org.pk},
        lambda w, s: {"full_name": "陈书记", "phone": "13800000002", "username": "vs_new"},
        "form",
    ),
    ("accounts:village_retire", "POST"): (
        lambda w, s: {"appointment_id": s.appointment.pk},
        lambda w, s: {"reason": "年事已高"},
        "form",
    ),
    ("projects:village", "POST"): (
        lambda w, s: {P: s.approved_simple.pk},
        lambda w, s: {"village": s.village_org.pk},
        "form",
    ),
    ("accounts:tokens", "POST"): (lambda w, s: {}, lambda w, s: {"token": _token(w, s)}, "form"),
    ("accounts:verify_document", "GET"): (lambda w, s: {}, None, None),
    ("accounts:verify_document", "POST"): (
        lambda w, s: {},
        lambda w, s: {"document": SimpleUploadedFile("a.pdf", b"%PDF-1.7\n%%EOF\n")},
        "form",
    ),
    ("api-change-decision", "POST"): (
        lambda w, s: {"change_id": s.change.pk},
        lambda w, s: {"approve": True, "comment": "同意"},
        "json",
    ),
    ("api-dashboards-map", "GET"): (lambda w, s: {}, None, None),
    ("api-flags", "GET"): (lambda w, s: {}, None, None),
    ("api-open-oc4ids", "GET"): (lambda w, s: {}, None, None),
    ("api-open-oc4ids-project", "GET"): (lambda w, s: {P: s.under_way.pk}, None, None),
    ("api-payments", "GET"): (lambda w, s: {}, None, None),
    ("api-payment-approve", "POST"): (
        lambda w, s: {"payment_id": s.payment_requested.pk},
        lambda w, s: {},
        "json",
    ),
    ("api-payment-pay", "POST"): (
        lambda w, s: {"payment_id": s.payment_approved.pk},
        lambda w, s: {"paid_on": TODAY, "voucher_no": "PZ-001"},
        "json",
    ),
    ("api-payment-return", "POST"): (
        lambda w, s: {"payment_id": s.payment_requested.pk},
        lambda w, s: {"reason": "发票不全"},
        "json",
    ),
    ("ratings:report_status", "GET"): (
        lambda w, s: {},
        lambda w, s: {"ref": s.report.reference},
        "query",
    ),
    ("ratings:report", "GET"): (lambda w, s: {"report_id": s.report.pk}, None, None),
    ("ratings:report_conclude", "POST"): (
        lambda w, s: {"report_id": s.report.pk},
        lambda w, s: {"confirmed": "1", "note": "查实"},
        "form",
    ),
    ("ratings:report_reward", "POST"): (
        lambda w, s: {"report_id": s.report_confirmed.pk},
        lambda w, s: {"amount": "300", "paid_on": TODAY},
        "form",
    ),
    ("ratings:rewards", "GET"): (lambda w, s: {}, None, None),
    ("api-performance-credit", "GET"): (lambda w, s: {}, None, None),
    ("api-performance-credit-company", "GET"): (
        lambda w, s: {"organisation_id": s.contractor.pk},
        None,
        None,
    ),
    ("api-performance-scores", "GET"): (
        lambda w, s: {},
        lambda w, s: {"quarter": QUARTER},
        "query",
    ),
    ("api-performance-warnings", "GET"): (lambda w, s: {}, None, None),
    ("api-projects", "GET"): (lambda w, s: {}, None, None),
    ("api-projects", "POST"): (lambda w, s: {}, _project_data, "json"),
    ("api-project", "GET"): (lambda w, s: {P: s.under_way.pk}, None, None),
    ("api-project", "PATCH"): (
        lambda w, s: {P: s.draft.pk},
        lambda w, s: {"description": "补充说明"},
        "json",
    ),
    ("api-change-request", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"amount_delta": "500", "reason": "加宽"},
        "json",
    ),
    ("api-contract", "POST"): (lambda w, s: {P: s.awarded.pk}, _contract, "json"),
    ("api-direct-award", "POST"): (
        lambda w, s: {P: s.approved_simple.pk},
        lambda w, s: {"contractor": s.contractor.pk, "reason": "名录库"},
        "json",
    ),
    ("api-escalation-approve", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"comment": ""},
        "json",
    ),
    ("api-lottery", "GET"): (lambda w, s: {P: s.shortlisted.pk}, None, None),
    ("api-lottery-draw", "POST"): (lambda w, s: {P: s.shortlisted.pk}, lambda w, s: {}, "json"),
    ("api-lottery-commit", "POST"): (
        lambda w, s: {P: s.shortlisted.pk},
        lambda w, s: {"commitment": "0" * 64},
        "json",
    ),
    ("api-lottery-reveal", "POST"): (
        lambda w, s: {P: s.shortlisted.pk},
        lambda w, s: {"secret": "x"},
        "json",
    ),
    ("api-lottery-shortlist", "POST"): (
        lambda w, s: {P: s.approved_general.pk},
        lambda w, s: {"contractors": [s.contractor.pk, w.d.builder_c.pk]},
        "json",
    ),
    ("api-patrol-logs", "POST"): (lambda w, s: {P: s.under_way.pk}, _patrol, "multipart"),
    ("api-project-payments", "GET"): (lambda w, s: {P: s.under_way.pk}, None, None),
    ("api-project-payments", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"stage": "progress", "amount": "1000", "payee_account": ACCOUNT},
        "json",
    ),
    ("api-progress", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"percent": "50", "text": "过半"},
        "json",
    ),
    ("api-settlement", "POST"): (
        lambda w, s: {P: s.completed.pk},
        lambda w, s: {"amount": "36000", "review_record": "审定"},
        "json",
    ),
    ("api-tender", "POST"): (
        lambda w, s: {P: s.approved_general.pk},
        lambda w, s: {
            "notice_date": TODAY,
            "bids": [{"bidder": b, "amount": "120000"} for b in _bidders(w, s)],
            "winner": s.contractor.pk,
            "reason": "最低价",
        },
        "json",
    ),
    ("api-consultation", "POST"): (
        lambda w, s: {P: s.approved_simple.pk},
        lambda w, s: {
            "notice_date": TODAY,
            "panel": ["陈工", "林工", "黄工"],
            "quotes": [{"supplier": b, "amount": "36000", "score": "80"} for b in _bidders(w, s)],
            "winner": s.contractor.pk,
            "reason": "综合得分最高",
        },
        "json",
    ),
    ("api-framework-order", "POST"): (
        lambda w, s: {P: s.approved_simple.pk},
        lambda w, s: {"agreement": 1, "reason": "维修"},
        "json",
    ),
    ("api-project-transition", "POST"): (
        lambda w, s: {P: s.draft.pk, "name": "file"},
        lambda w, s: {"comment": ""},
        "json",
    ),
    ("api-public-rating", "POST"): (
        lambda w, s: {"token": s.completed.public_token},
        lambda w, s: {"score": 90},
        "json",
    ),
    ("approvals:flags", "GET"): (lambda w, s: {}, None, None),
    ("approvals:change_request", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"amount_delta": "500", "reason": "加宽"},
        "form",
    ),
    ("approvals:change_decide", "POST"): (
        lambda w, s: {P: s.under_way.pk, "change_id": s.change.pk},
        lambda w, s: {"decision": "approve", "comment": "同意"},
        "form",
    ),
    ("approvals:extension_request", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"new_end": "2027-06-30", "reason": "雨季"},
        "form",
    ),
    ("approvals:extension_decide", "POST"): (
        lambda w, s: {P: s.under_way.pk, "extension_id": s.extension.pk},
        lambda w, s: {"decision": "approve", "comment": "同意"},
        "form",
    ),
    ("approvals:contract", "POST"): (lambda w, s: {P: s.awarded.pk}, _contract, "form"),
    ("approvals:direct_award", "POST"): (
        lambda w, s: {P: s.approved_simple.pk},
        lambda w, s: {"contractor": s.contractor.pk, "reason": "名录库"},
        "form",
    ),
    ("approvals:escalation_approve", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"comment": ""},
        "form",
    ),
    ("approvals:lottery_commit", "POST"): (
        lambda w, s: {P: s.shortlisted.pk},
        lambda w, s: {"commitment": "0" * 64},
        "form",
    ),
    ("approvals:lottery_reveal", "POST"): (
        lambda w, s: {P: s.shortlisted.pk},
        lambda w, s: {"secret": "x"},
        "form",
    ),
    ("approvals:lottery_draw", "POST"): (
        lambda w, s: {P: s.shortlisted.pk},
        lambda w, s: {},
        "form",
    ),
    ("approvals:lottery_shortlist", "POST"): (
        lambda w, s: {P: s.approved_general.pk},
        lambda w, s: {"first": s.contractor.pk, "second": w.d.builder_c.pk},
        "form",
    ),
    ("approvals:tender", "POST"): (
        lambda w, s: {P: s.approved_general.pk},
        lambda w, s: {
            "notice_date": TODAY,
            "bidder": _bidders(w, s),
            "bid_amount": ["120000"] * 3,
            "winner": s.contractor.pk,
            "reason": "最低价",
        },
        "form",
    ),
    ("approvals:consultation", "POST"): (
        lambda w, s: {P: s.approved_simple.pk},
        lambda w, s: {
            "notice_date": TODAY,
            "panel": "陈工\n林工\n黄工",
            "supplier": _bidders(w, s),
            "quote_amount": ["36000"] * 3,
            "quote_score": ["90", "85", "80"],
            "winner": s.contractor.pk,
            "reason": "综合得分最高",
        },
        "form",
    ),
    ("approvals:framework_order", "POST"): (
        lambda w, s: {P: s.approved_simple.pk},
        lambda w, s: {"agreement": "1", "reason": "维修"},
        "form",
    ),
    ("approvals:transition", "POST"): (
        lambda w, s: {P: s.draft.pk, "name": "file"},
        lambda w, s: {"comment": ""},
        "form",
    ),
    ("dashboards:discipline", "GET"): (lambda w, s: {}, None, None),
    ("dashboards:anomalies", "GET"): (lambda w, s: {}, None, None),
    ("dashboards:anomaly", "GET"): (lambda w, s: {"slug": "splits"}, None, None),
    ("dashboards:audit_heads", "GET"): (lambda w, s: {}, None, None),
    ("dashboards:chain_verify", "POST"): (lambda w, s: {}, lambda w, s: {}, "form"),
    ("dashboards:map", "GET"): (lambda w, s: {}, None, None),
    ("dashboards:projects", "GET"): (lambda w, s: {}, None, None),
    ("dashboards:timeline", "GET"): (lambda w, s: {P: s.under_way.pk}, None, None),
    ("dashboards:report", "GET"): (lambda w, s: {}, None, None),
    ("dashboards:leads", "GET"): (lambda w, s: {}, None, None),
    ("dashboards:lead_open", "POST"): (
        lambda w, s: {},
        lambda w, s: _anomaly_row(),
        "form",
    ),
    ("dashboards:lead", "GET"): (lambda w, s: {"pk": s.lead.pk}, None, None),
    ("dashboards:lead_note", "POST"): (
        lambda w, s: {"pk": s.lead.pk},
        lambda w, s: {"text": "约谈施工单位负责人"},
        "form",
    ),
    ("dashboards:lead_assign", "POST"): (
        lambda w, s: {"pk": s.lead.pk},
        lambda w, s: {"officer": w.d.discipline.pk},
        "form",
    ),
    ("dashboards:lead_decide", "POST"): (
        lambda w, s: {"pk": s.lead.pk},
        lambda w, s: {"outcome": "filed", "reason": "证据确凿"},
        "form",
    ),
    ("health", "GET"): (lambda w, s: {}, None, None),
    ("open-data", "GET"): (lambda w, s: {}, None, None),
    ("open-audit-heads", "GET"): (lambda w, s: {}, None, None),
    ("set_language", "POST"): (lambda w, s: {}, lambda w, s: {"language": "zh-hans"}, "form"),
    ("inspections:capture", "GET"): (lambda w, s: {}, None, None),
    ("inspections:village", "GET"): (lambda w, s: {}, None, None),
    ("inspections:village_project", "GET"): (lambda w, s: {P: s.under_way.pk}, None, None),
    ("inspections:village_observation", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"client_key": w.key(), "text": "路面有裂缝", "open_item": "1"},
        "form",
    ),
    ("inspections:village_observation_item", "POST"): (
        lambda w, s: {"observation_id": s.observation.pk},
        lambda w, s: {},
        "form",
    ),
    ("inspections:village_sign", "POST"): (
        lambda w, s: {P: s.completed.pk},
        lambda w, s: {"opinion": "同意验收"},
        "form",
    ),
    ("inspections:village_photo", "GET"): (
        lambda w, s: {"photo_id": s.village_photo.pk},
        None,
        None,
    ),
    ("inspections:capture_manifest", "GET"): (lambda w, s: {}, None, None),
    ("inspections:capture_sw", "GET"): (lambda w, s: {}, None, None),
    ("inspections:item_close", "POST"): (
        lambda w, s: {"item_id": s.item_submitted.pk},
        lambda w, s: {},
        "form",
    ),
    ("inspections:item_send_back", "POST"): (
        lambda w, s: {"item_id": s.item_submitted.pk},
        lambda w, s: {"reason": "证据不足"},
        "form",
    ),
    ("inspections:item", "GET"): (lambda w, s: {"item_id": s.item.pk}, None, None),
    ("inspections:item_stage_done", "POST"): (
        lambda w, s: {"item_id": s.item_staged.pk, "stage_id": s.stage.pk},
        lambda w, s: {"evidence": "除锈完成"},
        "form",
    ),
    ("inspections:item_assess", "POST"): (
        lambda w, s: {"item_id": s.item_serious.pk},
        lambda w, s: {"passed": "1", "opinion": "复测合格"},
        "form",
    ),
    ("inspections:item_carry_over", "POST"): (
        lambda w, s: {"item_id": s.round_item.pk},
        lambda w, s: {"reason": "跨年度推进"},
        "form",
    ),
    ("inspections:item_submit", "POST"): (
        lambda w, s: {"item_id": s.item.pk},
        lambda w, s: {"evidence": "已重新浇筑"},
        "form",
    ),
    ("inspections:ledger", "GET"): (lambda w, s: {}, None, None),
    ("inspections:ledger_export", "GET"): (lambda w, s: {}, None, None),
    ("inspections:photo", "GET"): (lambda w, s: {"photo_id": s.photo.pk}, None, None),
    ("inspections:photo_original", "GET"): (lambda w, s: {"photo_id": s.photo.pk}, None, None),
    ("inspections:acceptance_certificate", "GET"): (
        lambda w, s: {"pk": s.under_way.pk},
        None,
        None,
    ),
    ("projects:settlement_review", "GET"): (lambda w, s: {"pk": s.under_way.pk}, None, None),
    ("inspections:video", "GET"): (lambda w, s: {"video_id": s.video.pk}, None, None),
    ("inspections:video_poster", "GET"): (lambda w, s: {"video_id": s.video.pk}, None, None),
    ("inspections:video_original", "GET"): (lambda w, s: {"video_id": s.video.pk}, None, None),
    ("inspections:acceptance", "POST"): (
        lambda w, s: {P: s.completed.pk},
        lambda w, s: {"resident_names": "林阿姨", "other_names": "王工", "conclusion": "同意验收"},
        "form",
    ),
    ("inspections:item_open", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {
            "source": "other",
            "problem": "围挡破损",
            "deadline": "2099-01-01",
            "standard": "修复围挡",
        },
        "form",
    ),
    ("inspections:lab_test", "POST"): (
        lambda w, s: {P: s.completed.pk},
        lambda w, s: {"pass_rate": "98", "report_no": "JC-1"},
        "form",
    ),
    ("inspections:patrol_log", "POST"): (lambda w, s: {P: s.under_way.pk}, _patrol, "multipart"),
    ("inspections:progress", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"percent": "50", "text": "过半"},
        "form",
    ),
    ("inspections:spot_check", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"item_name": ["基础"], "item_passed": ["1"], "item_note": [""]},
        "form",
    ),
    ("inspections:plans", "GET"): (lambda w, s: {}, None, None),
    ("inspections:plans", "POST"): (
        lambda w, s: {},
        lambda w, s: {"month": TODAY[:7], "seed": "matrix"},
        "form",
    ),
    ("inspections:plan", "GET"): (lambda w, s: {"plan_id": w.plan.pk}, None, None),
    ("inspections:plan_export", "GET"): (lambda w, s: {"plan_id": w.plan.pk}, None, None),
    ("inspections:plan_assign", "POST"): (
        lambda w, s: {"plan_id": w.plan.pk},
        lambda w, s: {
            "project": s.under_way.pk,
            "inspector": _another_inspector(w.plan.pk, s.under_way.pk),
        },
        "form",
    ),
    ("api-spot-check-plans", "GET"): (lambda w, s: {}, None, None),
    ("api-spot-check-plans", "POST"): (
        lambda w, s: {},
        lambda w, s: {"month": TODAY, "seed": "matrix"},
        "json",
    ),
    ("api-spot-check-plan", "GET"): (lambda w, s: {"plan_id": w.plan.pk}, None, None),
    ("inspections:rounds", "GET"): (lambda w, s: {}, None, None),
    ("inspections:rounds", "POST"): (
        lambda w, s: {},
        lambda w, s: {"name": "第二轮", "inspecting_body": "第二巡察组", "started_on": TODAY},
        "form",
    ),
    ("inspections:round", "GET"): (lambda w, s: {"round_id": w.round.pk}, None, None),
    ("inspections:round", "POST"): (
        lambda w, s: {"round_id": w.round.pk},
        lambda w, s: {
            "problem": "台账不全",
            "responsible_organisation": s.street_user.organisation_id,
            "deadline": "2099-01-01",
            "standard": "补齐",
        },
        "form",
    ),
    ("inspections:round_export", "GET"): (
        lambda w, s: {"round_id": w.round.pk, "fmt": "xlsx"},
        None,
        None,
    ),
    ("login", "GET"): (lambda w, s: {}, None, None),
    ("logout", "POST"): (lambda w, s: {}, lambda w, s: {}, "form"),
    ("ratings:public", "GET"): (lambda w, s: {"token": s.under_way.public_token}, None, None),
    ("ratings:phone_code", "POST"): (
        lambda w, s: {"token": s.completed.public_token},
        lambda w, s: {"phone": "13800000000"},
        "form",
    ),
    ("ratings:public_photo", "GET"): (
        lambda w, s: {"token": s.under_way.public_token, "photo_id": s.photo.pk},
        None,
        None,
    ),
    ("ratings:rate", "POST"): (
        lambda w, s: {"token": s.completed.public_token},
        lambda w, s: {"score": "90"},
        "form",
    ),
    ("ratings:report", "POST"): (
        lambda w, s: {"token": s.under_way.public_token},
        lambda w, s: {"text": "夜间施工扰民"},
        "form",
    ),
    ("performance:ranking", "GET"): (lambda w, s: {}, None, None),
    ("performance:credit", "GET"): (lambda w, s: {}, None, None),
    ("performance:credit_company", "GET"): (
        lambda w, s: {"organisation_id": s.contractor.pk},
        None,
        None,
    ),
    ("performance:false_report", "POST"): (
        lambda w, s: {},
        lambda w, s: {
            "organisation": s.contractor.pk,
            "project": s.under_way.pk,
            "description": "虚报工程量",
            "evidence": "核查记录",
        },
        "form",
    ),
    ("performance:demonstration", "GET"): (lambda w, s: {}, None, None),
    ("performance:demonstration_year", "GET"): (lambda w, s: {"year": 2025}, None, None),
    ("performance:demonstration_decide", "POST"): (
        lambda w, s: {"year": w.demonstration_year},
        lambda w, s: {"project": [w.demonstration_project]},
        "form",
    ),
    ("performance:risk", "GET"): (lambda w, s: {}, None, None),
    ("performance:appeal", "POST"): (
        lambda w, s: {"suspension_id": 999999},
        lambda w, s: {"text": "申诉"},
        "form",
    ),
    ("performance:decide", "POST"): (
        lambda w, s: {"suspension_id": 999999},
        lambda w, s: {"decision": "uphold"},
        "form",
    ),
    ("performance:warnings", "GET"): (lambda w, s: {}, None, None),
    ("performance:warning_bell", "GET"): (lambda w, s: {}, None, None),
    ("performance:warnings_read", "POST"): (lambda w, s: {}, lambda w, s: {}, "form"),
    ("performance:company", "GET"): (
        lambda w, s: {"quarter": QUARTER, "organisation_id": s.contractor.pk},
        None,
        None,
    ),
    ("performance:report_pdf", "GET"): (lambda w, s: {"quarter": QUARTER}, None, None),
    ("performance:report_xlsx", "GET"): (lambda w, s: {"quarter": QUARTER}, None, None),
    ("projects:list", "GET"): (lambda w, s: {}, None, None),
    ("projects:detail", "GET"): (lambda w, s: {P: s.under_way.pk}, None, None),
    ("projects:budget_lines", "GET"): (lambda w, s: {P: s.draft.pk}, None, None),
    ("projects:budget_lines", "POST"): (
        lambda w, s: {P: s.draft.pk},
        lambda w, s: {"item": ["土建", "安装"], "amount": ["30000", "8000"]},
        "form",
    ),
    ("projects:edit", "GET"): (lambda w, s: {P: s.draft.pk}, None, None),
    ("projects:edit", "POST"): (
        lambda w, s: {P: s.draft.pk},
        lambda w, s: {**_project_form(w, s), "budget_amount": "38000"},
        "multipart",
    ),
    ("projects:payment_request", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"stage": "progress", "amount": "1000", "payee_account": ACCOUNT},
        "form",
    ),
    ("projects:settlement", "POST"): (
        lambda w, s: {P: s.completed.pk},
        lambda w, s: {"amount": "36000", "review_record": "审定"},
        "form",
    ),
    ("projects:attachment", "GET"): (lambda w, s: {P: s.attachment.pk}, None, None),
    ("projects:set_class", "POST"): (
        lambda w, s: {P: s.submitted.pk},
        lambda w, s: {"project_class": "A", "reason": "校园周边重点民生"},
        "form",
    ),
    ("projects:village_decision", "POST"): (
        lambda w, s: {P: s.draft.pk},
        lambda w, s: {"village": "社区", "proposal": "增设路灯"},
        "form",
    ),
    ("projects:village_result", "POST"): (
        lambda w, s: {P: s.completed.pk},
        lambda w, s: {"result_published_on": TODAY},
        "form",
    ),
    ("projects:village_photo", "GET"): (
        lambda w, s: {P: s.under_way.pk, "which": "decision"},
        None,
        None,
    ),
    ("projects:tracker", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"tracker": w.d.street_zhenhai_2.pk},
        "form",
    ),
    ("projects:start_document", "GET"): (
        lambda w, s: {P: s.under_way.pk, "document_id": s.start_document.pk},
        None,
        None,
    ),
    ("projects:start_documents", "POST"): (
        lambda w, s: {P: s.under_way.pk},
        lambda w, s: {"item": "wage", "reference": "GZ-1"},
        "form",
    ),
    ("projects:create", "GET"): (lambda w, s: {}, None, None),
    ("projects:create", "POST"): (lambda w, s: {}, _project_form, "multipart"),
    ("projects:payment_ledger", "GET"): (lambda w, s: {}, None, None),
    ("projects:payment_approve", "POST"): (
        lambda w, s: {"payment_id": s.payment_requested.pk},
        lambda w, s: {},
        "form",
    ),
    ("projects:payment_paid", "POST"): (
        lambda w, s: {"payment_id": s.payment_approved.pk},
        lambda w, s: {"paid_on": TODAY, "voucher_no": "PZ-1"},
        "form",
    ),
    ("projects:payment_return", "POST"): (
        lambda w, s: {"payment_id": s.payment_requested.pk},
        lambda w, s: {"reason": "发票不全"},
        "form",
    ),
    ("projects:payment_queue", "GET"): (lambda w, s: {}, None, None),
    ("projects:tier_preview", "GET"): (
        lambda w, s: {},
        lambda w, s: {"budget_amount": "60000"},
        "query",
    ),
    ("ratings:moderation", "GET"): (lambda w, s: {}, None, None),
    ("ratings:moderation", "POST"): (
        lambda w, s: {},
        lambda w, s: {"rating": [s.held_rating.pk], "decision": "release"},
        "form",
    ),
    ("ratings:qr", "GET"): (lambda w, s: {P: s.under_way.pk, "fmt": "png"}, None, None),
    ("ratings:sign", "GET"): (lambda w, s: {P: s.under_way.pk}, None, None),
    ("ratings:reports", "GET"): (lambda w, s: {}, None, None),
    ("ratings:review_decide", "POST"): (
        lambda w, s: {"review_id": s.review.pk},
        lambda w, s: {"outcome": "已整改复评"},
        "form",
    ),
}


def url_of(name: str, kwargs: dict) -> str:
    return "/admin/" if name == "admin:*" else reverse(name, kwargs=kwargs or None)


def send(client, name: str, method: str, w, side, *, extra: dict | None = None):
    """One request as the client's user on the side's object; `extra` fields join the body."""
    kwargs_of, body_of, how = SPECS[(name, method)]
    url = url_of(name, kwargs_of(w, side))
    body = dict(body_of(w, side)) if body_of else {}
    if extra:
        body.update(extra)
    if how == "query" or method == "GET":
        response = client.get(url, body)
        if response.status_code == 302 and response["Location"].startswith("/downloads/"):
            # an export asked for (core.downloads): its file's page is the answer
            return client.get(response["Location"])
        return response
    if how == "json":
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    if how == "form":
        from urllib.parse import urlencode

        return client.generic(
            method,
            url,
            urlencode(body, doseq=True),
            content_type="application/x-www-form-urlencoded",
        )
    return client.post(url, body)  # multipart
