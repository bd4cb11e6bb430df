"""The approval routes in a real browser, each step by the person whose step it is."""

import hashlib

import pytest

from accounts.tests.factories import PASSWORD
from approvals.models import Lottery, Tender
from projects.choices import ProjectStatus
from projects.models import Project
from projects.tests.factories import ready_to_start
from tests.browser import chromium, click_and_wait, screenshot, user_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(page, base, name, amount):
    page.goto(f"{base}/projects/new/")
    page.fill("#id_name", name)
    page.select_option("#id_category", "drainage")
    page.select_option("#id_project_class", "B")
    page.fill("#id_address", "荔城区镇海街道梅园路")
    page.fill("#id_latitude", "25.437200")
    page.fill("#id_longitude", "119.010500")
    page.fill("#id_planned_start", "2026-12-14")
    page.fill("#id_planned_end", "2027-02-26")
    page.fill("#id_budget_amount", amount)
    click_and_wait(page, "text=保存草稿")
    return Project.objects.get(name=name)


def _fire(page, base, project, name, comment="", **fields):
    page.goto(f"{base}/projects/{project.pk}/")
    for field, value in fields.items():
        page.fill(f"#{field}", value)
    if comment:
        page.fill("#transition-comment", comment)
    click_and_wait(page, f"[data-transition={name}]")


def _status(project):
    return Project.objects.get(pk=project.pk).status


def test_general_route_from_filing_to_work_with_four_people_and_the_lottery(live_server, district):
    base = live_server.url
    with chromium() as browser:
        street = user_page(browser, base, "street_zhenhai", PASSWORD)
        project = _file(street, base, "梅园路雨污分流改造", "380000")
        assert street.inner_text("[data-testid=tier]") == "一般类"
        _fire(street, base, project, "submit")
        assert _status(project) == ProjectStatus.SUBMITTED

        dept = user_page(browser, base, "dept_zjj", PASSWORD)
        dept.goto(f"{base}/")
        assert "梅园路雨污分流改造" in dept.inner_text("[data-testid=queue]")
        _fire(dept, base, project, "dept_approve", "材料齐全")
        # The same reviewer is not offered the next step.
        dept.goto(f"{base}/projects/{project.pk}/")
        assert dept.query_selector("[data-transition=expert_approve]") is None

        expert = user_page(browser, base, "dept_expert", PASSWORD)
        _fire(
            expert, base, project, "expert_approve", "图纸和预算论证通过", reviewed_budget="376500"
        )

        drc = user_page(browser, base, "drc", PASSWORD)
        _fire(drc, base, project, "drc_file", "同意备案")
        assert _status(project) == ProjectStatus.APPROVED

        # The lottery: the 住建局 and 纪检 each commit a secret's hash, then reveal it; the
        # platform's stand-in hash is on the page before the draw, its secret after it.
        dept.goto(f"{base}/projects/{project.pk}/")
        dept.select_option("#first", label=district.builder.name)
        dept.select_option("#second", label=district.builder_b.name)
        click_and_wait(dept, "[data-action=shortlist]")
        published = dept.inner_text("[data-testid=seed-hash]")
        assert dept.query_selector("[data-testid=seed]") is None
        discipline = user_page(browser, base, "discipline", PASSWORD)
        secrets = {dept: "住建局自选口令", discipline: "纪检自选口令"}
        for page, secret in secrets.items():
            page.goto(f"{base}/projects/{project.pk}/")
            page.fill("#commitment", hashlib.sha256(secret.encode()).hexdigest())
            click_and_wait(page, "[data-action=lottery-commit]")
        for page, secret in secrets.items():
            page.goto(f"{base}/projects/{project.pk}/")
            page.fill("[name=secret]", secret)
            click_and_wait(page, "[data-action=lottery-reveal]")
        dept.goto(f"{base}/projects/{project.pk}/")
        click_and_wait(dept, "[data-action=draw]")
        seed = dept.inner_text("[data-testid=seed]")
        assert hashlib.sha256(seed.encode()).hexdigest() == published
        draw_seed = hashlib.sha256("|".join(secrets.values()).encode()).hexdigest()
        assert dept.inner_text("[data-testid=draw-seed]") == draw_seed
        assert "住建局自选口令" in dept.inner_text("[data-testid=lottery-parties]")
        winner_name = dept.inner_text("[data-testid=lottery-winner]")
        assert winner_name == Lottery.objects.get().winner.name
        screenshot(dept, "general-lottery")

        # The street office files the contract with the named site staff and starts work.
        winner = Lottery.objects.get().winner
        street.goto(f"{base}/projects/{project.pk}/")
        street.fill("#c_amount", "371000")
        street.fill("#c_start", "2027-01-04")
        street.fill("#c_end", "2027-04-30")
        click_and_wait(street, "[data-action=contract]")
        assert "缺少项目经理" in street.inner_text(".alert-danger")  # nothing chosen yet
        street.fill("#c_amount", "371000")
        street.fill("#c_start", "2027-01-04")
        street.fill("#c_end", "2027-04-30")
        for select, position in (
            ("#c_pm", "project_manager"),
            ("#c_so", "safety_officer"),
            ("#c_qi", "quality_inspector"),
        ):
            street.select_option(select, str(district.staff[(winner.name, position)].pk))
        street.select_option("#c_unit", label=district.super_org.name)
        street.select_option(
            "#c_sup", str(district.staff[(district.super_org.name, "site_supervisor")].pk)
        )
        click_and_wait(street, "[data-action=contract]")
        assert _status(project) == ProjectStatus.CONTRACTED
        ready_to_start(project, district.street_zhenhai)
        # a B类 project opens once the street office has named its tracker
        street.goto(f"{base}/projects/{project.pk}/")
        street.select_option("[name=tracker]", label=str(district.street_zhenhai))
        click_and_wait(street, "[data-action=set-tracker]")
        _fire(street, base, project, "start_work")
        assert _status(project) == ProjectStatus.IN_PROGRESS
        assert street.inner_text("[data-testid=contractor]") == winner.name
        screenshot(street, "general-in-progress")


def test_major_route_with_fiscal_review_and_a_tender(live_server, district):
    base = live_server.url
    with chromium() as browser:
        street = user_page(browser, base, "street_zhenhai", PASSWORD)
        project = _file(street, base, "拱辰小学操场及排水改造", "720000")
        assert street.inner_text("[data-testid=tier]") == "重大类"
        _fire(street, base, project, "submit")
        _fire(user_page(browser, base, "dept_zjj", PASSWORD), base, project, "dept_approve")
        _fire(user_page(browser, base, "dept_expert", PASSWORD), base, project, "expert_approve")
        drc = user_page(browser, base, "drc", PASSWORD)
        drc.goto(f"{base}/projects/{project.pk}/")
        assert drc.query_selector("[data-transition=drc_file]") is None  # fiscal review first
        _fire(
            user_page(browser, base, "finance", PASSWORD),
            base,
            project,
            "fiscal_approve",
            approved_budget="705000",
        )
        _fire(drc, base, project, "drc_approve", "同意立项")
        assert _status(project) == ProjectStatus.APPROVED

        street.goto(f"{base}/projects/{project.pk}/")
        street.fill("#notice_date", "2026-12-01")
        street.fill("#notice_reference", "莆公资交〔2026〕118号")
        amounts = street.query_selector_all("[name=bid_amount]")
        for box, amount in zip(amounts, ("698000", "701500", "689900"), strict=False):
            box.fill(amount)
        street.select_option("#winner", label=district.builder_c.name)
        street.fill("#tender_reason", "综合评分第一")
        click_and_wait(street, "[data-action=tender]")
        tender = Tender.objects.get()
        assert tender.bids.count() == 3 and tender.winner == district.builder_c
        assert "综合评分第一" in street.inner_text("[data-testid=tender]")
        assert _status(project) == ProjectStatus.PROCUREMENT
        screenshot(street, "major-tender")


def test_return_and_resubmission(live_server, district):
    base = live_server.url
    with chromium() as browser:
        street = user_page(browser, base, "street_zhenhai", PASSWORD)
        project = _file(street, base, "北高渔港排水沟修复", "88000")
        _fire(street, base, project, "submit")
        dept = user_page(browser, base, "dept_zjj", PASSWORD)
        _fire(dept, base, project, "return_for_revision")  # no reason: refused
        assert "请填写理由" in dept.inner_text(".alert-danger")
        assert _status(project) == ProjectStatus.SUBMITTED
        _fire(dept, base, project, "return_for_revision", "缺少现场照片和预算书")
        assert _status(project) == ProjectStatus.RETURNED

        street.goto(f"{base}/projects/{project.pk}/")
        assert "缺少现场照片和预算书" in street.inner_text("[data-testid=timeline]")
        click_and_wait(street, "[data-testid=edit]")
        street.fill("#id_description", "已补充现场照片和预算书")
        click_and_wait(street, "text=保存草稿")
        _fire(street, base, project, "resubmit")
        assert _status(project) == ProjectStatus.SUBMITTED
        _fire(dept, base, project, "dept_approve", "补正后通过")
        assert _status(project) == ProjectStatus.DEPT_APPROVED
        screenshot(dept, "return-resubmit")


def test_an_escalated_lottery_project_stops_until_its_tender_and_contract(live_server, district):
    """Issue #14 point 1 in the browser: the stop on the page with its reason, the tender form
    offered to the street office, the new contract, the project back at work."""
    from approvals import services
    from approvals.tests.helpers import contracted_general

    project = contracted_general(district, amount="470000", contract_amount="480000")
    ready_to_start(project, district.street_zhenhai)
    services.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="start_work"
    )
    change = services.change_request(
        actor=district.street_zhenhai, project_id=project.pk, amount_delta="30000", reason="迁改"
    )
    services.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    services.escalation_approve(actor=district.finance, project_id=project.pk)
    services.escalation_approve(actor=district.drc, project_id=project.pk)
    assert _status(project) == ProjectStatus.SUSPENDED

    base = live_server.url
    with chromium() as browser:
        street = user_page(browser, base, "street_zhenhai", PASSWORD)
        street.goto(f"{base}/projects/{project.pk}/")
        stopped = street.inner_text("[data-testid=stopped]")
        assert "停工" in stopped and "公开招标" in stopped
        assert street.query_selector("[data-transition=start_work]") is None
        screenshot(street, "reprocurement-stopped")

        street.fill("#notice_date", "2026-12-01")
        amounts = street.query_selector_all("[name=bid_amount]")
        for box, amount in zip(amounts, ("512000", "509000", "530000"), strict=False):
            box.fill(amount)
        street.select_option("#winner", label=district.builder_b.name)
        street.fill("#tender_reason", "综合评分第一")
        click_and_wait(street, "[data-action=tender]")
        assert "待备案新合同" in street.inner_text("[data-testid=stopped]")

        street.fill("#c_amount", "509000")
        street.fill("#c_start", "2027-01-04")
        street.fill("#c_end", "2027-04-30")
        for select, position in (
            ("#c_pm", "project_manager"),
            ("#c_so", "safety_officer"),
            ("#c_qi", "quality_inspector"),
        ):
            street.select_option(
                select, str(district.staff[(district.builder_b.name, position)].pk)
            )
        street.select_option("#c_unit", label=district.super_org.name)
        street.select_option(
            "#c_sup", str(district.staff[(district.super_org.name, "site_supervisor")].pk)
        )
        click_and_wait(street, "[data-action=contract]")
        assert _status(project) == ProjectStatus.IN_PROGRESS
        assert street.query_selector("[data-testid=stopped]") is None
        assert street.inner_text("[data-testid=contractor]") == district.builder_b.name
        screenshot(street, "reprocurement-resumed")
