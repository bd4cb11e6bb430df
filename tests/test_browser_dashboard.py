"""The discipline officer's journey: the dashboard with its charts drawn, the map with projects
coloured by risk, an anomaly followed to its evidence, an Excel export, and the chain
re-verified."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from accounts.tests.factories import PASSWORD
from dashboards.tests.conftest import build_world
from projects.events import ProjectEvents
from projects.models import Project
from tests.browser import chromium, click_and_wait, screenshot, user_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = (
    "street",
    "investment",
    "tier",
    "category",
    "risk",
    "status",
    "month",
    "open_warnings",
    "warnings",
    "ratings",
)


def test_discipline_officer_reads_the_dashboard_map_anomalies_and_exports(live_server, district):
    world = build_world(district)
    Project.objects.filter(pk=world.over.pk).update(risk_colour="red")
    # On a spot of its own, so that its dot can be clicked.
    Project.objects.filter(pk=world.settled.pk).update(
        risk_colour="yellow", latitude=Decimal("25.400000"), longitude=Decimal("119.060000")
    )
    base = live_server.url
    with chromium() as browser:
        page = user_page(
            browser,
            base,
            district.discipline.username,
            PASSWORD,
            viewport={"width": 1400, "height": 1000},
            accept_downloads=True,
        )
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # The dashboard: every chart drawn by ECharts (canvas), the chain not yet verified.
        page.click("nav >> text=纪检看板")
        for name in CHARTS:
            page.wait_for_selector(f"[data-chart={name}][data-drawn=true] canvas")
        assert page.inner_text("[data-testid=total-projects]") == str(Project.objects.count())
        page.click("[data-testid=chain-verify]")
        page.wait_for_selector("[data-testid=chain-status][data-chain=intact]")
        screenshot(page, "dashboard-discipline")

        # The map: the offline district outline and one dot per located project, by risk.
        page.click("[data-testid=dashboard-tabs] >> text=项目地图")
        page.wait_for_selector("#project-map[data-drawn=true]")
        located = Project.objects.filter(latitude__isnull=False).count()
        assert page.get_attribute("[data-testid=map-count]", "data-count") == str(located)
        assert page.locator("path.risk-marker").count() == located
        assert page.locator("path.risk-marker-red").count() == 1
        page.locator("path.risk-marker-yellow").click()
        page.wait_for_selector(".leaflet-popup-content [data-testid=map-popup-link]")
        assert world.settled.code in page.inner_text(".leaflet-popup-content")
        screenshot(page, "dashboard-map")
        click_and_wait(page, ".leaflet-popup-content [data-testid=map-popup-link]")
        assert page.url.endswith(f"/projects/{world.settled.pk}/")

        # An anomaly followed to its evidence: the settlement well above budget.
        page.goto(f"{base}/dashboards/anomalies/")
        click_and_wait(page, "[data-testid=anomaly-kinds] >> text=结算明显超预算")
        row = page.locator("[data-testid=anomaly-row]")
        assert row.count() == 1
        assert "超出审定预算" in row.inner_text()
        click_and_wait(page, f"[data-testid=anomaly-row] >> text=项目 {world.settled.code}")
        assert page.url.endswith(f"/projects/{world.settled.pk}/")
        assert world.settled.name in page.inner_text("main")

        # The duplicate photo: the evidence is the photo itself.
        page.goto(f"{base}/dashboards/anomalies/duplicate-photos/")
        photo_link = page.locator("[data-testid=anomaly-row] >> text=此前的照片").first
        response = page.request.get(base + photo_link.get_attribute("href"))
        assert response.ok and response.headers["content-type"] == "image/jpeg"

        # Export the filtered list to Excel: the link opens the file's page (made on a worker;
        # at once here, tasks eager), which offers the file.
        page.goto(f"{base}/dashboards/anomalies/payments/?street={district.zhenhai.pk}")
        click_and_wait(page, "[data-testid=export-xlsx]")
        assert "/downloads/" in page.url
        with page.expect_download() as download:
            page.click("[data-testid=download-file]")
        sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "资金拨付异常"
        assert rows[2][1] == "街道/乡镇：镇海街道"
        assert any("竣工验收前的结算款" in (r[-2] or "") for r in rows[5:])

        # The timeline of the project behind the anomaly.
        page.goto(f"{base}/dashboards/projects/{world.over.pk}/timeline/")
        verbs = page.locator("[data-testid=timeline-event]").evaluate_all(
            "rows => rows.map(r => r.dataset.verb)"
        )
        assert verbs[0] == ProjectEvents.CREATED and ProjectEvents.PAYMENT_PAID in verbs
        assert not errors, errors
