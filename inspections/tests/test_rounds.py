"""Inspection rounds (巡察): the three lists, progress, Excel, and a Chinese PDF report."""

import shutil
import subprocess
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from inspections import services

pytestmark = pytest.mark.django_db


def _round_with_items(district):
    inspection = services.round_create(
        actor=district.discipline,
        name="2026年第四轮巡察",
        inspecting_body="区委第二巡察组",
        started_on=date(2026, 11, 1),
    )
    deadline = timezone.localdate() + timedelta(days=30)
    first = services.round_feedback(
        actor=district.discipline,
        round_id=inspection.pk,
        problem="零星工程备案资料不全",
        responsible_organisation_id=district.zhenhai.pk,
        responsible_person="街道分管领导",
        deadline=deadline,
        standard="补齐2025年以来全部备案资料",
    )
    services.round_feedback(
        actor=district.discipline,
        round_id=inspection.pk,
        problem="抽签过程未留存视频",
        responsible_organisation_id=district.dept.organisation_id,
        deadline=deadline,
        standard="建立抽签全程录像制度",
    )
    services.item_submit(
        actor=district.street_zhenhai, item_id=first.pk, evidence="已补齐32份备案资料"
    )
    # 巡察 items are serious: a third-party assessor signs before 销号.
    services.item_assess(actor=district.lab, item_id=first.pk, passed=True, opinion="资料核实齐全")
    services.item_close(actor=district.discipline, item_id=first.pk)
    return inspection


def test_three_lists_progress_and_who_sees_them(client, district):
    inspection = _round_with_items(district)
    client.force_login(district.discipline)
    html = client.get(reverse("inspections:round", args=[inspection.pk])).content.decode()
    assert html.count('data-testid="round-item"') == 2
    assert 'value="50"' in html  # one of two closed
    client.force_login(district.street_zhenhai)
    assert client.get(reverse("inspections:round", args=[inspection.pk])).status_code == 403
    # …but the street sees its own feedback item in its ledger.
    assert "零星工程备案资料不全" in client.get(reverse("inspections:ledger")).content.decode()


def test_only_discipline_officers_run_rounds(district):
    with pytest.raises(Exception) as caught:
        services.round_create(
            actor=district.dept, name="x", inspecting_body="y", started_on=date(2026, 1, 1)
        )
    assert caught.type.__name__ == "PermissionDenied"


def test_round_excel_export(client, district):
    inspection = _round_with_items(district)
    client.force_login(district.discipline)
    response = client.get(reverse("inspections:round_export", args=[inspection.pk, "xlsx"]))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "问题", "责任单位")
    assert rows[1][1] == "零星工程备案资料不全" and rows[1][6] == "已销号"
    assert len(rows) == 3


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_round_report_pdf_prints_chinese_with_an_embedded_cjk_font(client, district, tmp_path):
    inspection = _round_with_items(district)
    still_open = inspection.items.exclude(status="closed").get()
    services.item_carry_over(
        actor=district.discipline, item_id=still_open.pk, reason="制度建设需跨年度推进"
    )
    services.round_close(
        actor=district.discipline,
        round_id=inspection.pk,
        closing_summary="本轮巡察反馈问题2个，已整改销号1个。",
    )
    client.force_login(district.discipline)
    response = client.get(reverse("inspections:round_export", args=[inspection.pk, "pdf"]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "round.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "2026年第四轮巡察" in text and "抽签过程未留存视频" in text and "已整改销号1个" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk and cjk[0].split()[-5] == "yes"  # the emb column: the font is embedded
