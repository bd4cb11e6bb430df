"""The bar in a real browser at 1366 × 768: one row for the role with the longest menu, and the
rest one click away under 更多 (issue #16)."""

import pytest

from accounts.tests.factories import PASSWORD
from tests.browser import chromium, screenshot, user_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_discipline_officers_menu_is_one_row_at_1366(live_server, district):
    base = live_server.url
    with chromium() as browser:
        page = user_page(
            browser, base, "discipline", PASSWORD, viewport={"width": 1366, "height": 768}
        )
        page.goto(f"{base}/")
        links = page.query_selector_all("#mainnav .navbar-nav > .nav-item > .nav-link")
        tops = {round(link.bounding_box()["y"]) for link in links}
        heights = [link.bounding_box()["height"] for link in links]
        assert len(tops) == 1, tops  # one row
        assert max(heights) < 48, heights  # no label broken over lines
        page.click("[data-testid=nav-more] > button")
        page.wait_for_selector("[data-testid=nav-more] .dropdown-menu.show")
        assert "绩效排名" in page.inner_text("[data-testid=nav-more] .dropdown-menu")
        for button in ("[data-testid=logout]", "#mainnav form button"):
            box = page.query_selector(button)
            if box is not None:
                assert box.bounding_box()["height"] < 40  # 退出 on one line
        screenshot(page, "navigation-1366")
