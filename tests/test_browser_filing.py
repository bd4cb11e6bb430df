"""A street office files two projects in a real browser and sees the tier each one gets."""

import pytest

from accounts.tests.factories import PASSWORD
from projects.models import Project
from tests.browser import PHONE, chromium_page, log_in, screenshot


def _file(page, base_url, name, amount):
    page.goto(f"{base_url}/projects/new/")
    page.fill("#id_name", name)
    page.select_option("#id_category", "road")
    page.select_option("#id_project_class", "C")
    page.fill("#id_address", "荔城区镇海街道文献路")
    page.fill("#id_planned_start", "2026-12-14")
    page.fill("#id_planned_end", "2027-02-26")
    page.fill("#id_budget_amount", amount)
    # The tier is derived on the server and shown while typing, before saving.
    preview = page.wait_for_selector("[data-testid=tier-preview]")
    shown_while_typing = preview.inner_text()
    page.click("text=保存草稿")
    page.wait_for_selector("[data-testid=project-name]")
    return shown_while_typing, page.inner_text("[data-testid=tier]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_street_staff_file_a_simple_and_a_general_project(live_server, district, device):
    options = PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}
    with chromium_page(**options) as page:
        log_in(page, live_server.url, "street_zhenhai", PASSWORD)

        typing, saved = _file(page, live_server.url, "文献路人行道修补", "38000")
        assert (typing, saved) == ("简易类", "简易类")
        screenshot(page, f"filing-simple-{device}")

        typing, saved = _file(page, live_server.url, "梅园路雨污分流改造", "120,000")
        assert (typing, saved) == ("一般类", "一般类")
        screenshot(page, f"filing-general-{device}")

        # A bad amount is refused in Chinese and nothing is saved.
        page.goto(f"{live_server.url}/projects/new/")
        page.fill("#id_name", "错误金额")
        page.select_option("#id_category", "road")
        page.fill("#id_address", "荔城区")
        page.select_option("#id_project_class", "C")
        page.fill("#id_planned_start", "2026-12-14")
        page.fill("#id_planned_end", "2027-02-26")
        page.fill("#id_budget_amount", "-5")
        page.wait_for_selector("[data-testid=tier-preview-error]")
        page.click("text=保存草稿")
        page.wait_for_selector("[data-testid=form-errors]")
        assert "金额必须大于零" in page.content()

    assert sorted(Project.objects.values_list("tier", flat=True)) == ["general", "simple"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_place_is_picked_on_the_district_map(live_server, district):
    with chromium_page(viewport={"width": 1280, "height": 900}) as page:
        log_in(page, live_server.url, "street_zhenhai", PASSWORD)
        page.goto(f"{live_server.url}/projects/new/")
        page.wait_for_selector("#location-picker .leaflet-interactive")  # the outline drawn
        page.click("#location-picker")  # its centre: 25.43, 119.06, inside the district
        lat, lng = page.input_value("#id_latitude"), page.input_value("#id_longitude")
        assert lat and lng
        assert 25.3 < float(lat) < 25.55 and 118.9 < float(lng) < 119.2
        assert "范围内" in page.inner_text("#location-note")
        # a place typed outside the district is named at once, and refused on saving
        page.fill("#id_latitude", "25.680000")
        page.dispatch_event("#id_latitude", "change")
        assert "不在荔城区范围内" in page.inner_text("#location-note")
        screenshot(page, "filing-location-picker")
