"""A resident on a phone: scans the site sign's QR code, opens the public page, rates, and is
refused a second time."""

import shutil
import subprocess

import pytest
from django.core.cache import cache
from django.test import Client

from approvals import services as approvals
from ratings.models import Rating
from tests.browser import PHONE, chromium, screenshot
from tests.funds_helpers import under_way

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_resident_scans_rates_and_is_refused_a_second_time(live_server, district, tmp_path):
    cache.clear()
    project, contractor = under_way(district, progress="100")
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    street = Client()
    street.force_login(district.street_zhenhai)
    # The QR code the street office prints, read back as a phone camera would.
    png = street.get(f"/ratings/projects/{project.pk}/qr.png", HTTP_HOST=live_server.url[7:])
    (tmp_path / "qr.png").write_bytes(png.content)
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "qr.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert scanned == f"{live_server.url}/p/{project.public_token}/"

    with chromium() as browser:
        context = browser.new_context(locale="zh-CN", **PHONE)
        page = context.new_page()
        browser.opened_pages.append(page)
        page.goto(scanned)
        assert project.name in page.inner_text("h1")
        # Nothing is chosen for the resident: sending at once says so, in Chinese, in view.
        with page.expect_navigation():
            page.click("[data-action=rate]")
        notice = page.locator("[data-testid=notice]")
        assert "请选择总体评分" in notice.inner_text()
        assert _in_view(page, "[data-testid=notice]")
        page.click("label[for=score-80]")  # 🙂 好 80
        page.click("label[for=quality-100]")
        page.fill("#comment", "路面平整，施工期间围挡整齐")
        with page.expect_navigation():
            page.click("[data-action=rate]")
        assert "感谢您的评价" in page.inner_text("[data-testid=notice]")
        assert _in_view(page, "[data-testid=notice]")
        assert page.inner_text("[data-testid=mean]") == "80.0"
        assert page.query_selector("[data-testid=rating-form]") is None
        assert "已评价" in page.inner_text("[data-testid=already-rated]")
        screenshot(page, "public-page-rated")

        # Posting again from the same phone (the form resubmitted) is refused too.
        page.goto(scanned)
        refused = page.request.post(
            f"{live_server.url}/api/v1/public/projects/{project.public_token}/ratings/",
            data={"score": 5},
        )
        assert refused.status == 409
        assert "已评价" in refused.json()["message"]

    assert list(Rating.objects.values_list("score", "quality")) == [(80, 100)]


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height


def test_the_public_page_reads_at_200_percent_zoom_with_large_text(live_server, district):
    project, contractor = under_way(district, progress="100")
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    with chromium() as browser:
        # a 390 px phone at 200 % zoom lays the page out in 195 CSS pixels
        zoomed = {**PHONE, "viewport": {"width": 195, "height": 422}, "device_scale_factor": 4}
        page = browser.new_context(locale="zh-CN", **zoomed).new_page()
        browser.opened_pages.append(page)
        page.goto(f"{live_server.url}/p/{project.public_token}/")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
        )
        assert overflow <= 1, (overflow, wide)
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('[data-testid=public-page] *')]
                .filter(e => e.childNodes.length && [...e.childNodes].some(
                    n => n.nodeType === 3 && n.textContent.trim()))
                .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
        )
        assert smallest >= 16, smallest
        targets = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll(
                '[data-testid=public-page] .btn, [data-testid=public-page] label.face')]
                .map(e => e.getBoundingClientRect().height))"""
        )
        assert targets >= 44, targets
