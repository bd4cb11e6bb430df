"""The discipline dashboards: who may open them, what they show, that reads are logged, the
exports carry the filters, and every page keeps a fixed number of queries."""

import subprocess
from datetime import UTC, timedelta
from io import BytesIO

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from approvals.events import ApprovalEvents
from core.events import Change
from core.models import AuditEvent
from core.money import format_yuan
from core.testing import download_followed
from dashboards.anomalies import KINDS
from dashboards.events import DashboardEvents
from inspections.events import InspectionEvents
from projects.events import ProjectEvents
from projects.models import Project
from ratings.models import Rating

from .conftest import build_world

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


PAGES = [
    reverse("dashboards:discipline"),
    reverse("dashboards:map"),
    reverse("dashboards:projects"),
    reverse("dashboards:anomalies"),
    reverse("dashboards:audit_heads"),
    reverse("api-dashboards-map"),
    *[reverse("dashboards:anomaly", args=[slug]) for slug in KINDS],
]


@pytest.mark.parametrize("url", PAGES)
def test_only_discipline_officers_read_the_dashboards(client, district, url):
    assert _client(client, district.discipline).get(url).status_code == 200
    for user in (
        district.street_zhenhai,
        district.dept,
        district.finance,
        district.contractor,
        district.admin,
    ):
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username
    client.logout()
    assert client.get(url).status_code in (302, 401)  # pages send to log in; the API: 401


def test_dashboard_shows_totals_charts_data_and_chain(client, district, world):
    response = _client(client, district.discipline).get(reverse("dashboards:discipline"))
    html = response.content.decode()
    assert response.context["figures"]["total"] == Project.objects.count()
    charts = response.context["charts"]
    assert {s["name"] for s in charts["street"]} == {"镇海街道", "拱辰街道"}
    assert sum(s["value"] for s in charts["tier"]) == Project.objects.count()
    investment = {row["street"]: row for row in charts["investment"]}
    # 拱辰: five 44,000 contracts; 镇海 pays 30,000 (over) + more nothing else paid.
    assert investment["拱辰街道"]["contracted"] == 5 * 44000
    assert investment["镇海街道"]["paid"] == 30000
    ratings = {r["key"]: r["value"] for r in charts["ratings"]}
    assert ratings["counted"] == 1 and ratings["held"] == 4 and ratings["rejected"] == 0
    assert 'id="chart-data"' in html and 'data-chart="investment"' in html
    assert 'data-chain="unknown"' in html


def test_filters_narrow_every_figure(client, district, world):
    url = reverse("dashboards:discipline") + f"?street={district.gongchen.pk}"
    figures = _client(client, district.discipline).get(url).context["figures"]
    assert figures["total"] == 5
    assert figures["paid"] == 0
    assert [s.label for s in figures["by_street"]] == ["拱辰街道"]
    assert {r["status"]: r["count"] for r in figures["ratings"]}["held"] == 0


def test_discipline_reads_are_logged_with_their_filters(client, district, world):
    before = AuditEvent.objects.filter(verb=DashboardEvents.DISCIPLINE_READ).count()
    _client(client, district.discipline).get(
        reverse("dashboards:anomaly", args=["payments"]) + f"?street={district.zhenhai.pk}"
    )
    client.get(reverse("dashboards:timeline", args=[world.over.pk]))
    reads = list(AuditEvent.objects.filter(verb=DashboardEvents.DISCIPLINE_READ).order_by("id"))[
        before:
    ]
    assert [(r.object_type, r.object_id) for r in reads] == [
        ("dashboards.page", "anomalies/payments"),
        ("projects.project", str(world.over.pk)),
    ]
    assert reads[0].actor_id == district.discipline.pk
    assert reads[0].after["filters"] == {"street": str(district.zhenhai.pk)}
    assert reads[0].organisation_name == "区纪委监委"


def _rows(client, slug):
    # the page\'s rows (the view empties its list once drawn: dashboards/views.py)
    return [
        row
        for row, _lead in client.get(reverse("dashboards:anomaly", args=[slug])).context["entries"]
    ]


def test_each_anomaly_list_explains_why_and_links_to_evidence(client, district, world):
    _client(client, district.discipline)
    splits = _rows(client, "splits")
    assert len(splits) == 1
    assert "文献路北段" in splits[0].cells[1] and "文献路南段" in splits[0].cells[1]
    assert reverse("projects:detail", args=[world.split[1].pk]) in dict(
        (u, lbl) for lbl, u in splits[0].evidence
    )

    share = _rows(client, "contractor-share")
    assert [(r.cells[0], r.cells[1], r.cells[2]) for r in share] == [
        ("拱辰街道", district.builder_c.name, "4 / 5")
    ]
    assert "80%" in share[0].why

    same = _rows(client, "same-person")
    assert {r.project.pk for r in same} == {world.share[0].pk, world.over.pk}
    assert any("主管部门初审" in r.why for r in same)

    payments = _rows(client, "payments")
    whys = " ".join(r.why for r in payments)
    assert "竣工验收前的结算款" in whys
    assert "超过已完工程量价值" in whys and "报送进度 20%" in whys

    settlements = _rows(client, "settlements")
    assert [r.project.pk for r in settlements] == [world.settled.pk]
    assert "+16.7%" in settlements[0].cells

    photos = _rows(client, "duplicate-photos")
    assert [r.project.pk for r in photos] == [world.other.pk]
    assert any("/inspections/photos/" in url for _l, url in photos[0].evidence)

    gaps = _rows(client, "patrol-gaps")
    assert {r.project.pk for r in gaps} >= {world.over.pk, world.other.pk}
    assert all(str(world.gap_day) in r.why for r in gaps)

    campaigns = _rows(client, "rating-campaigns")
    assert [(r.project.pk, r.cells[2], r.cells[3]) for r in campaigns] == [
        (world.settled.pk, "203.0.113.0/24", 4)
    ]
    assert "同一网络短时间集中评价×4" in campaigns[0].why
    # the times in Shanghai, as everywhere on the pages, not UTC
    first = Rating.objects.filter(project=world.settled, status="held").order_by("created_at")[0]
    local = timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M")
    utc = first.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    assert local in campaigns[0].why and utc not in campaigns[0].why


def test_evidence_links_open_for_the_officer(client, district, world):
    _client(client, district.discipline)
    for slug in KINDS:
        for row in _rows(client, slug):
            for _label, url in row.evidence:
                assert client.get(url).status_code == 200, (slug, url)


def test_timeline_lists_every_event_in_order_with_actor_and_changes(client, district, world):
    response = _client(client, district.discipline).get(
        reverse("dashboards:timeline", args=[world.over.pk])
    )
    events = [e for e, _changes in response.context["events"]]
    verbs = [e.verb for e in events]
    assert [e.id for e in events] == sorted(e.id for e in events)
    for verb in (
        ProjectEvents.CREATED,
        ProjectEvents.SUBMIT,
        ProjectEvents.DEPT_APPROVE,
        ApprovalEvents.CONTRACT_FILED,
        ProjectEvents.PAYMENT_PAID,
        InspectionEvents.PROGRESS_REPORTED,
        InspectionEvents.PATROL_LOG_FILED,
        InspectionEvents.PATROL_LOG_MISSING,
    ):
        assert verb in verbs, verb
    paid = next(
        changes for e, changes in response.context["events"] if e.verb == ProjectEvents.PAYMENT_PAID
    )
    assert Change("payment_status", "支付状态", "已审核待支付", "已支付") in paid
    html = response.content.decode()
    assert "区财政局" in html and "diff-before" in html


def test_chain_status_turns_red_after_a_row_is_tampered(client, district, world):
    _client(client, district.discipline)
    response = client.post(reverse("dashboards:chain_verify"), follow=True)
    assert 'data-chain="intact"' in response.content.decode()
    victim = AuditEvent.objects.filter(verb=ProjectEvents.PAYMENT_PAID).first()
    _tamper(
        'UPDATE core_auditevent SET after = \'{"payment_status": "returned"}\' WHERE id = %s',
        [victim.pk],
    )
    # The page shows the last verification until someone re-verifies.
    response = client.post(reverse("dashboards:chain_verify"), follow=True)
    html = response.content.decode()
    assert 'data-chain="broken"' in html
    assert f"第 {victim.ref} 号事件与链不符" in html
    assert AuditEvent.objects.filter(verb=DashboardEvents.CHAIN_VERIFIED).count() == 2


def _tamper(sql, params):
    """What a database administrator could do behind the application's back (as in
    core/tests/test_audit.py): superusers can bypass the append-only trigger."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_project_list_exports_excel_with_the_filters_applied(client, district, world):
    url = reverse("dashboards:projects") + f"?street={district.gongchen.pk}&format=xlsx"
    response = download_followed(_client(client, district.discipline), url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][1] == "街道/乡镇：拱辰街道"
    body = rows[5:]
    assert len(body) == 5
    assert {r[2] for r in body} == {"拱辰街道"}


def test_anomaly_export_carries_reasons_and_evidence_links(client, district, world):
    response = download_followed(
        _client(client, district.discipline),
        reverse("dashboards:anomaly", args=["settlements"]) + "?format=xlsx",
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "结算明显超预算"
    header, line = rows[4], rows[5]
    assert header[-2:] == ("异常原因", "证据链接")
    assert "超出审定预算" in line[-2]
    assert f"http://testserver/projects/{world.settled.pk}/" in line[-1]


def test_timeline_exports_to_excel(client, district, world):
    response = _client(client, district.discipline).get(
        reverse("dashboards:timeline", args=[world.over.pk]) + "?format=xlsx"
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    verbs = [r[4] for r in rows[5:]]
    assert "支付" in verbs and "创建草稿" in verbs  # labels, not raw verbs


def _pdf_text_and_fonts(content: bytes, tmp_path) -> tuple[str, str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return text, fonts


def test_dashboard_report_pdf_with_cjk_font(client, district, world, tmp_path):
    response = download_followed(
        _client(client, district.discipline),
        reverse("dashboards:report") + f"?street={district.gongchen.pk}",
    )
    assert response["Content-Type"] == "application/pdf"
    text, fonts = _pdf_text_and_fonts(response.content, tmp_path)
    assert "纪检监察看板报告" in text and "拱辰街道" in text
    assert "镇海街道" not in text
    assert "Noto-Sans-CJK-SC" in fonts


def test_the_pdf_report_prints_the_dashboards_own_figures_and_their_definitions(
    client, district, world, tmp_path
):
    """The same selector behind both: each street's count and budget, and the totals, as the
    page shows them; the definitions under the page and in the report (#16 point 7)."""
    c = _client(client, district.discipline)
    page = c.get(reverse("dashboards:discipline"))
    figures = page.context["figures"]
    assert figures["by_street"] and figures["total"]
    path = tmp_path / "report.pdf"
    path.write_bytes(download_followed(c, reverse("dashboards:report")).content)
    text = subprocess.run(  # -layout: a table's row stays on one line
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(" ".join(line.split()) for line in text.splitlines())
    for part in figures["by_street"]:
        assert f"{part.label} {part.count} {format_yuan(part.amount)}" in flat, part
    assert format_yuan(figures["filed"]) in flat and format_yuan(figures["paid"]) in flat
    html = page.content.decode()
    for words in ("统计口径", "已申报项目（草稿和已撤销的项目除外）的预算合计。"):
        assert words in html and words in flat.replace(" ", "")


def test_daily_head_is_printable_and_in_pdf(client, district, world, tmp_path):
    _client(client, district.discipline).post(reverse("dashboards:chain_verify"))
    response = client.get(reverse("dashboards:audit_heads"))
    head = response.context["heads"][0]
    assert head.intact and head.hash in response.content.decode()
    assert 'data-action="print"' in response.content.decode()
    text, fonts = _pdf_text_and_fonts(
        client.get(reverse("dashboards:audit_heads") + "?format=pdf").content, tmp_path
    )
    assert head.hash[:32] in text.replace("\n", "")
    assert "Noto-Sans-CJK-SC" in fonts


def test_map_data_is_geojson_coloured_by_risk_and_filtered(client, district, world):
    Project.objects.filter(pk=world.over.pk).update(risk_colour="red")
    _client(client, district.discipline)
    data = client.get(reverse("api-dashboards-map")).json()
    assert data["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in data["features"]}
    assert by_id[world.over.pk]["properties"]["risk"] == "red"
    assert by_id[world.over.pk]["properties"]["url"] == f"/projects/{world.over.pk}/"
    lng, lat = by_id[world.over.pk]["geometry"]["coordinates"]
    assert (round(lat, 4), round(lng, 4)) == (25.4372, 119.0105)
    red = client.get(reverse("api-dashboards-map") + "?risk_colour=red").json()
    assert [f["id"] for f in red["features"]] == [world.over.pk]


def test_map_page_offline_outline_and_tile_setting(client, district, settings):
    _client(client, district.discipline)
    response = client.get(reverse("dashboards:map"))
    html = response.content.decode()
    assert "licheng-outline.geojson" in html and "离线底图" in html
    assert "tiles.example" not in response["Content-Security-Policy"]
    settings.MAP_TILE_URL = "https://{s}.tiles.example/{z}/{x}/{y}.png"
    response = client.get(reverse("dashboards:map"))
    assert (
        "img-src 'self' data: blob: https://*.tiles.example" in response["Content-Security-Policy"]
    )
    assert "离线底图" not in response.content.decode()


def test_projects_the_map_cannot_place_are_listed_beside_it(client, district, world):
    from projects.tests.factories import make_project

    unplaced = make_project(
        district.street_zhenhai, name="未定位的排水沟", latitude=None, longitude=None
    )
    _client(client, district.discipline)
    html = client.get(reverse("dashboards:map")).content.decode()
    assert 'data-testid="unlocated"' in html and "未定位的排水沟" in html
    assert world.over.name not in html.split('data-testid="unlocated"')[1]  # placed: on the map
    # the filter applies to the list as to the map
    other = client.get(reverse("dashboards:map") + f"?street={district.gongchen.pk}")
    assert "未定位的排水沟" not in other.content.decode()
    assert unplaced.pk not in {
        f["id"] for f in client.get(reverse("api-dashboards-map")).json()["features"]
    }


# --- a fixed number of queries, whatever the data size ---------------------------------------

# Every page: session and user (2), the read logged in the chain (savepoint, lock, last link,
# insert, release: 5), the session saved (3), and the filter form's street and contractor
# choices (2) where it has one. Then the page's own reads: the dashboard 11 (projects grouped,
# months, contracts, payments, ratings, open ledger items, open warnings, flags, patrol gaps,
# the chain's head, the latest scored quarter, the leads' counts; its ranking adds 2 once one is scored), a list 1 and the leads already opened on its rows 1 (same-person and payments: 3 and 1 each), the timeline the project and its events.
# +1 on every page with the filter form: the regions it offers (docs/province.md).
QUERY_PAGES = {
    "dashboard": (reverse("dashboards:discipline"), 25),
    "map-data": (reverse("api-dashboards-map"), 11),
    "projects": (reverse("dashboards:projects"), 14),
    "timeline": (None, 12),
    **{
        f"anomaly-{slug}": (reverse("dashboards:anomaly", args=[slug]), n)
        for slug, n in {
            "splits": 15,
            "contractor-share": 15,
            "same-person": 17,
            "payments": 17,
            "settlements": 15,
            "duplicate-photos": 15,
            "photo-claims": 15,
            "patrol-gaps": 15,
            "rating-campaigns": 15,
            "change-creep": 18,  # +1 (the bidders' names) once a tender's changes came soon
            "progress-no-work": 17,
            "payment-over-logs": 16,
            "completion-few-days": 16,
            "bid-together": 17,
            "bid-losers": 17,
            "bid-rotation": 17,
            "bid-prices": 17,
            "bid-identities": 18,
            "shared-identities": 18,
            "supervision-ties": 16,
            "awarder-ties": 18,
            "certificate-lending": 16,
            "other-flags": 15,
        }.items()
    },
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pages_keep_a_fixed_number_of_queries(client, district, world):
    _client(client, district.discipline)
    # A head kept, so the chain panel has a row to read.
    client.post(reverse("dashboards:chain_verify"))
    timeline = reverse("dashboards:timeline", args=[world.over.pk])
    small = {name: _count(client, url or timeline) for name, (url, _n) in QUERY_PAGES.items()}
    # Twice the data: every anomaly again, more projects, contracts, payments and ratings.
    # Past the split window, so the second set's pieces are judged on their own.
    with time_machine.travel(timezone.now() + timedelta(days=100)):
        build_world(district)
    large = {name: _count(client, url or timeline) for name, (url, _n) in QUERY_PAGES.items()}
    assert large == small
    # A read is logged in the audit chain: one round trip on PostgreSQL (the chain's lock and
    # the append together), two on SQLite (the chain's last event, the append).
    append = 1 if connection.vendor == "postgresql" else 2
    assert small == {
        name: expected - 3 + append for name, (_url, expected) in QUERY_PAGES.items()
    }, small


def test_contractor_ranking_and_open_warnings_come_from_performance(client, district, world):
    from core.periods import Quarter
    from performance.alerts import warnings_refresh
    from performance.scoring import performance_score_quarter

    _client(client, district.discipline)
    empty = client.get(reverse("dashboards:discipline"))
    assert empty.context["period"] is None
    assert "尚未计算任何季度的绩效" in empty.content.decode()

    quarter = str(Quarter.of(timezone.localdate()))
    performance_score_quarter(quarter=quarter)
    warnings_refresh(today=world.gap_day + timedelta(days=1))
    response = client.get(reverse("dashboards:discipline"))
    assert response.context["period"].quarter == quarter
    companies = {row["company"] for row in response.context["contractors"]}
    assert companies and companies <= {
        district.builder.name,
        district.builder_b.name,
        district.builder_c.name,
    }
    assert all(row["kind"] == "contractor" for row in response.context["contractors"])
    open_warnings = {w["colour"]: w["count"] for w in response.context["figures"]["open_warnings"]}
    assert sum(open_warnings.values()) > 0
    assert 'data-chart="open_warnings"' in response.content.decode()
