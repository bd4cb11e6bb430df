"""Each project class walks its own procurement in a real browser (issue #14 point 3): a B类
project by 竞争性磋商 with its street-office tracker, a C类 project filed on its village's
四议两公开 record and then directly awarded by its tier."""

import pytest

from accounts.tests.factories import PASSWORD
from approvals.models import Consultation
from inspections.tests.images import encode, scene
from projects.choices import ProcurementMethod, ProjectStatus
from projects.models import Project, VillageDecision
from tests.browser import chromium, click_and_wait, flash, screenshot, user_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(page, base, name, amount, project_class):
    page.goto(f"{base}/projects/new/")
    page.fill("#id_name", name)
    page.select_option("#id_category", "road")
    page.select_option("#id_project_class", project_class)
    page.fill("#id_address", "荔城区镇海街道文献路")
    page.fill("#id_latitude", "25.437200")
    page.fill("#id_longitude", "119.010500")
    page.fill("#id_planned_start", "2026-12-14")
    page.fill("#id_planned_end", "2027-02-26")
    page.fill("#id_budget_amount", amount)
    click_and_wait(page, "text=保存草稿")
    return Project.objects.get(name=name)


def test_a_b_class_project_by_competitive_consultation(live_server, district):
    base = live_server.url
    with chromium() as browser:
        street = user_page(browser, base, "street_zhenhai", PASSWORD)
        project = _file(street, base, "文献路人行道改造", "46000", "B")
        click_and_wait(street, "[data-transition=file]")
        assert Project.objects.get(pk=project.pk).status == ProjectStatus.APPROVED
        assert street.query_selector("[data-action=direct-award]") is None

        street.fill("#c_notice_date", "2026-11-20")
        street.fill("#c_panel", "陈工\n林工\n黄工")
        suppliers = street.query_selector_all("[name=supplier]")
        amounts = street.query_selector_all("[name=quote_amount]")
        scores = street.query_selector_all("[name=quote_score]")
        rows = [
            (district.builder, "45200", "86"),
            (district.builder_b, "44800", "91.5"),
            (district.builder_c, "45900", "78"),
        ]
        for box, (company, amount, score) in enumerate(rows):
            suppliers[box].select_option(label=company.name)
            amounts[box].fill(amount)
            scores[box].fill(score)
        # the panel's pick must be the highest score: the page says so and nothing is written
        street.select_option("#c_winner", label=district.builder.name)
        street.fill("#c_reason", "综合得分第一")
        click_and_wait(street, "[data-action=consultation]")
        assert "综合得分最高" in flash(street)
        assert not Consultation.objects.exists()

        for box, (company, amount, score) in enumerate(rows):
            street.query_selector_all("[name=supplier]")[box].select_option(label=company.name)
            street.query_selector_all("[name=quote_amount]")[box].fill(amount)
            street.query_selector_all("[name=quote_score]")[box].fill(score)
        street.fill("#c_notice_date", "2026-11-20")
        street.fill("#c_panel", "陈工\n林工\n黄工")
        street.select_option("#c_winner", label=district.builder_b.name)
        street.fill("#c_reason", "综合得分第一")
        click_and_wait(street, "[data-action=consultation]")
        record = Consultation.objects.get()
        assert record.winner == district.builder_b and record.quotes.count() == 3
        assert "91.5" in street.inner_text("[data-testid=consultation]")
        project.refresh_from_db()
        assert project.procurement_method == ProcurementMethod.COMPETITIVE
        assert project.contractor == district.builder_b

        # the street office names its tracker
        assert "未指定" in street.inner_text("[data-testid=tracker]")
        street.select_option("[name=tracker]", label=str(district.street_zhenhai_2))
        click_and_wait(street, "[data-action=set-tracker]")
        assert str(district.street_zhenhai_2) in street.inner_text("[data-testid=tracker]")
        assert Project.objects.get(pk=project.pk).tracker == district.street_zhenhai_2
        screenshot(street, "class-b-consultation")


def test_a_c_class_project_filed_on_its_village_decision(live_server, district, tmp_path):
    board = tmp_path / "board.jpg"
    board.write_bytes(encode(scene(3)))
    base = live_server.url
    with chromium() as browser:
        street = user_page(browser, base, "street_zhenhai", PASSWORD)
        project = _file(street, base, "文献社区排水沟清淤", "28000", "C")
        assert street.query_selector("[data-transition=file]") is None  # not before the decision
        assert "尚未记录村级决策" in street.inner_text("[data-testid=class-duties]")

        fields = {
            "#v_village": "文献社区",
            "#v_proposal": "清淤疏通社区排水沟",
            "#v_proposed_on": "2026-10-08",
            "#v_discussed_on": "2026-10-12",
            "#v_party_meeting_on": "2026-10-20",
            "#v_party_attended": "31",
            "#v_party_total": "45",
            "#v_resolved_on": "2026-10-25",
            "#v_reps_attended": "20",  # fewer than two thirds of 35
            "#v_reps_total": "35",
            "#v_votes_for": "18",
            "#v_decision_published_on": "2026-10-27",
        }
        for selector, value in fields.items():
            street.fill(selector, value)
        street.set_input_files("#v_decision_photo", str(board))
        click_and_wait(street, "[data-action=village-decision]")
        assert "三分之二以上" in flash(street)
        assert not VillageDecision.objects.exists()

        for selector, value in {**fields, "#v_reps_attended": "28", "#v_votes_for": "26"}.items():
            street.fill(selector, value)
        street.set_input_files("#v_decision_photo", str(board))
        click_and_wait(street, "[data-action=village-decision]")
        assert "村级决策记录已保存" in flash(street)
        assert "28/35" in street.inner_text("[data-testid=village-decision]")

        click_and_wait(street, "[data-transition=file]")
        assert Project.objects.get(pk=project.pk).status == ProjectStatus.APPROVED
        # its tier's procurement: a direct award
        street.fill("[name=reason]", "村民代表会议决议委托")
        click_and_wait(street, "[data-action=direct-award]")
        project.refresh_from_db()
        assert project.procurement_method == ProcurementMethod.DIRECT
        screenshot(street, "class-c-village-decision")


def test_an_a_class_project_under_50000_is_publicly_tendered(live_server, district):
    base = live_server.url
    with chromium() as browser:
        street = user_page(browser, base, "street_zhenhai", PASSWORD)
        project = _file(street, base, "实验小学门前排水改造", "45000", "A")
        assert street.inner_text("[data-testid=tier]") == "简易类"
        click_and_wait(street, "[data-transition=file]")
        assert street.query_selector("[data-action=direct-award]") is None
        assert "不论金额均须公开招标" in street.inner_text("[data-testid=class-duties]")
        street.fill("#notice_date", "2026-12-01")
        for box, amount in zip(
            street.query_selector_all("[name=bid_amount]"),
            ("44200", "43900", "44800"),
            strict=False,
        ):
            box.fill(amount)
        street.select_option("#winner", label=district.builder_b.name)
        street.fill("#tender_reason", "经评标委员会评审，报价最低")
        click_and_wait(street, "[data-action=tender]")
        project.refresh_from_db()
        assert project.procurement_method == ProcurementMethod.OPEN
        assert project.contractor == district.builder_b
        screenshot(street, "class-a-tender")
