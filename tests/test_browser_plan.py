"""The 住建局 draws the month's 双随机 plan in a real browser (#15 done-when): with a seed of its
choosing, sees the seed and that the same seed redraws the same plan, exports it to Excel and
assigns a check to another inspector."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from accounts.tests.factories import PASSWORD
from inspections.models import SpotCheckPlan
from inspections.tests.test_plans import _world
from tests.browser import chromium, click_and_wait, user_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dept_draws_exports_and_assigns_the_months_plan_in_the_browser(live_server, district):
    projects, _people = _world(district)
    base = live_server.url
    with chromium() as browser:
        page = user_page(browser, base, district.dept.username, PASSWORD)
        page.goto(f"{base}/inspections/plans/")
        page.fill("#plan-month", "2026-12")
        page.fill("#plan-seed", "lc-2026-12")
        click_and_wait(page, "[data-action=plan-draw]")
        assert page.inner_text("[data-testid=plan-seed]") == "lc-2026-12"
        assert "结果一致" in page.inner_text("[data-testid=plan-redraw]")
        assert page.locator("[data-testid=plan-draw]").count() == len(projects)
        with page.expect_download() as download:
            page.click("text=导出 Excel")
        sheet = load_workbook(BytesIO(open(download.value.path(), "rb").read())).active
        assert "lc-2026-12" in str(sheet["A1"].value) and sheet.max_row == 2 + len(projects)
        # assign the first drawn check to the last inspector offered
        row = page.locator("[data-testid=plan-draw]").first
        options = row.locator("select[name=inspector] option")
        chosen = options.nth(options.count() - 1).get_attribute("value")
        row.locator("select[name=inspector]").select_option(chosen)
        with page.expect_navigation():
            row.locator("button[type=submit]").click()
    plan = SpotCheckPlan.objects.get()
    assert plan.seed == "lc-2026-12"
    assert any(str(d.get("assigned")) == chosen for d in plan.draws)
