"""Anomaly lists computed ahead for a region's view (dashboards/snapshots.py, docs/province.md):
the region's page shows the kept list and says as of when, in the reader's language; a period,
another filter or the Excel export computes live; a lead opens from the kept row; a region with
no snapshot yet computes live."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Organisation, Region
from approvals.models import Flag
from core.models import AuditEvent
from core.testing import download_followed
from dashboards.anomalies import KINDS
from dashboards.events import DashboardEvents
from dashboards.models import AnomalySnapshot, Lead
from dashboards.snapshots import ANOMALY_PAGE_ROWS, ShownRow, anomalies_snapshot
from dashboards.tasks import anomalies_snapshot_task
from projects.models import Project

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kept for PostgreSQL's regions"),
]


@pytest.fixture
def licheng(district, world, settings):
    """The world's district as 荔城区, its one 化整为零 row kept by the job."""
    settings.ANOMALY_SNAPSHOTS = True
    region = Region.objects.get(code="350304")
    Organisation.objects.update(region=region)
    Project.objects.update(district=region)
    district.discipline.refresh_from_db()
    anomalies_snapshot(region)
    return region


def _page(client, officer, slug="splits", query=""):
    client.force_login(officer)
    response = client.get(reverse("dashboards:anomaly", args=[slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_regions_view_reads_the_kept_list_and_says_as_of_when(client, district, licheng):
    kept = AnomalySnapshot.objects.get(kind="splits", region=licheng, language="zh-hans")
    assert kept.count == 1 and kept.number == 1
    row = kept.rows[0]
    # the live data moves on after the job ran: the split's flags are gone
    live_before = KINDS["splits"].rows(Project.objects.all())
    assert [r.key for r in live_before] == [row["key"]]
    Flag.objects.all().delete()
    assert KINDS["splits"].rows(Project.objects.all()) == []
    # the region's view still shows the kept row, and says the list is as of the job's run
    page = _page(client, district.discipline)
    assert row["why"] in page and 'data-testid="snapshot-as-of"' in page
    assert f'value="{row["key"]}"' in page
    # a period computes live: the row is gone, and no as-of note
    live = _page(client, district.discipline, query="?since=2000-01-01")
    assert row["why"] not in live and 'data-testid="snapshot-as-of"' not in live
    # so does the Excel export (every row, made on the exports workers)
    client.force_login(district.discipline)
    export = download_followed(
        client, reverse("dashboards:anomaly", args=["splits"]) + "?format=xlsx"
    )
    assert export["Content-Type"].startswith("application/vnd")
    cells = load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True)
    assert row["why"] not in {value for line in cells for value in line}


def test_the_kept_list_is_in_the_readers_language(client, district, licheng):
    english = AnomalySnapshot.objects.get(kind="splits", region=licheng, language="en")
    chinese = AnomalySnapshot.objects.get(kind="splits", region=licheng, language="zh-hans")
    assert english.rows[0]["key"] == chinese.rows[0]["key"]
    # the evidence links' labels are the page's words ("项目 LC-…" / "Project LC-…")
    english_label, url = english.rows[0]["evidence"][0]
    assert chinese.rows[0]["evidence"][0] == [english_label.replace("Project", "项目"), url]
    client.force_login(district.discipline)
    page = client.get(
        reverse("dashboards:anomaly", args=["splits"]), headers={"accept-language": "en"}
    ).content.decode()
    assert english_label.startswith("Project ") and english_label in page


def test_the_page_reads_one_kept_page_whatever_its_length(client, district, licheng):
    # given: the kept list made 250 rows long (three pages)
    kept = AnomalySnapshot.objects.get(kind="splits", region=licheng, language="zh-hans")
    template = kept.rows[0]
    rows = [{**template, "key": f"{n:032d}", "why": f"第{n}行"} for n in range(250)]
    AnomalySnapshot.objects.filter(kind="splits", region=licheng).delete()
    AnomalySnapshot.objects.bulk_create(
        AnomalySnapshot(
            kind="splits",
            region=licheng,
            language="zh-hans",
            number=n // ANOMALY_PAGE_ROWS + 1,
            count=300,  # the list is longer than what was kept
            kept=len(rows),
            computed_at=kept.computed_at,
            rows=rows[n : n + ANOMALY_PAGE_ROWS],
        )
        for n in range(0, len(rows), ANOMALY_PAGE_ROWS)
    )
    client.force_login(district.discipline)
    url = reverse("dashboards:anomaly", args=["splits"])
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        page_one = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as third:
        page_three = client.get(url + "?page=3").content.decode()
    assert "300 条" in page_one and "第0行" in page_one and "第100行" not in page_one
    assert "此处列出强度最高的 250 条" in page_one
    assert "第200行" in page_three and "第249行" in page_three and "第199行" not in page_three
    assert len(first.captured_queries) == len(third.captured_queries)
    # past the end: the last page, as a live list's pager does
    past = client.get(url + "?page=99").content.decode()
    assert "第249行" in past


def test_a_lead_opens_from_the_kept_row(client, district, licheng):
    kept = AnomalySnapshot.objects.get(kind="splits", region=licheng, language="zh-hans")
    row = ShownRow.load(kept.rows[0])
    Flag.objects.all().delete()  # gone from the live list
    client.force_login(district.discipline)
    response = client.post(
        reverse("dashboards:lead_open"), {"kind": "splits", "row_key": row.key, "query": ""}
    )
    lead = Lead.objects.get()
    assert response.url == reverse("dashboards:lead", args=[lead.pk])
    assert lead.why == row.why and lead.cells == row.cells
    assert lead.project_id == row.project_id is not None
    assert lead.evidence == [list(link) for link in row.evidence]
    assert AuditEvent.objects.filter(verb=DashboardEvents.LEAD_OPENED).count() == 1


def test_a_region_without_a_snapshot_computes_live(client, district, licheng):
    AnomalySnapshot.objects.all().delete()
    page = _page(client, district.discipline)
    live = KINDS["splits"].rows(Project.objects.all())
    with translation.override("zh-hans"):
        assert str(live[0].why) in page
    assert 'data-testid="snapshot-as-of"' not in page


def test_the_job_keeps_every_list_of_every_region(district, licheng):
    AnomalySnapshot.objects.all().delete()
    assert anomalies_snapshot_task() == f"{Region.objects.count()} regions to compute"
    kept = set(AnomalySnapshot.objects.values_list("kind", "region", "language"))
    regions = Region.objects.values_list("pk", flat=True)
    assert kept == {
        (slug, region, language)
        for slug in KINDS
        for region in regions
        for language in ("zh-hans", "en")
    }
    # run again, nothing doubles
    anomalies_snapshot_task()
    assert AnomalySnapshot.objects.filter(number=1).count() == len(kept)


def test_a_long_list_keeps_its_strongest_rows_and_its_count(district, licheng, monkeypatch):
    monkeypatch.setattr("dashboards.snapshots.SNAPSHOT_ROWS", 0)
    anomalies_snapshot(licheng)
    kept = AnomalySnapshot.objects.get(kind="splits", region=licheng, language="zh-hans")
    assert (kept.count, kept.kept, kept.rows) == (1, 0, [])
