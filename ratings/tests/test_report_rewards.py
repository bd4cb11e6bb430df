"""A report's reference for the resident, the discipline officer's conclusion and the reward
for a confirmed report (seed 000 §四.5), with its ledger and Excel export."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.audit import AuditEvent
from core.errors import ConflictError
from ratings import services
from ratings.events import RatingEvents
from ratings.models import Report
from ratings.tests.test_ratings import finished

pytestmark = pytest.mark.django_db


def _report(district, client=None):
    project = finished(district)
    resident = client or Client()
    response = resident.post(
        reverse("ratings:report", args=[project.public_token]),
        {"text": "路面用料以次充好，厚度不足", "contact": ""},
        REMOTE_ADDR="27.1.1.9",
        follow=True,
    )
    return Report.objects.get(), response


def test_the_resident_gets_a_reference_and_looks_up_the_status_only(district):
    report, response = _report(district)
    assert re.fullmatch(r"JB\d{8}-[A-HJ-NP-Z2-9]{6}", report.reference)
    page = response.content.decode()
    assert 'data-testid="report-thanks"' in page and report.reference in page
    assert "已受理，待核查" in page
    assert "以次充好" not in page  # the status, never the text
    other = Client().get(reverse("ratings:report_status"), {"ref": report.reference.lower()})
    assert "已受理，待核查" in other.content.decode()
    assert "report-thanks" not in other.content.decode()
    missing = Client().get(reverse("ratings:report_status"), {"ref": "JB20260101-AAAAAA"})
    assert "没有找到这个举报编号" in missing.content.decode()


def test_the_reference_lookup_is_rate_limited(district, settings):
    settings.REPORT_LOOKUP_RATE_LIMIT = "3/h"
    report, _response = _report(district)
    lookups = [
        Client().get(
            reverse("ratings:report_status"), {"ref": report.reference}, REMOTE_ADDR="8.8.8.8"
        )
        for _n in range(4)
    ]
    assert "查询过于频繁" in lookups[-1].content.decode()
    assert 'data-testid="report-stage"' not in lookups[-1].content.decode()


def test_a_confirmed_report_is_rewarded_once_and_listed(client, district):
    report, _response = _report(district)
    with pytest.raises(PermissionDenied):
        services.report_conclude(actor=district.dept, report_id=report.pk, confirmed=True, note="x")
    client.force_login(district.discipline)
    client.post(
        reverse("ratings:report_conclude", args=[report.pk]), {"confirmed": "0", "note": ""}
    )
    report.refresh_from_db()
    assert report.outcome == ""  # a conclusion needs what was found
    # an unfounded report earns nothing
    client.post(
        reverse("ratings:report_conclude", args=[report.pk]),
        {"confirmed": "1", "note": "钻芯取样厚度 3cm，设计 5cm，查实"},
    )
    report.refresh_from_db()
    assert report.outcome == "confirmed"
    with pytest.raises(ConflictError):
        services.report_conclude(
            actor=district.discipline, report_id=report.pk, confirmed=False, note="x"
        )
    with pytest.raises(ValidationError):
        services.report_reward_grant(
            actor=district.discipline,
            report_id=report.pk,
            amount="999999",
            paid_on=timezone.localdate(),
        )
    with pytest.raises(ValidationError):
        services.report_reward_grant(
            actor=district.discipline,
            report_id=report.pk,
            amount="500",
            paid_on=timezone.localdate() + timedelta(days=1),
        )
    client.post(
        reverse("ratings:report_reward", args=[report.pk]),
        {"amount": "500", "paid_on": timezone.localdate().isoformat(), "note": "一次性奖励"},
    )
    report.refresh_from_db()
    assert str(report.reward_amount) == "500.00"
    with pytest.raises(ConflictError):
        services.report_reward_grant(
            actor=district.discipline,
            report_id=report.pk,
            amount="100",
            paid_on=timezone.localdate(),
        )
    # the resident sees that it was confirmed and rewarded, nothing else
    status = Client().get(reverse("ratings:report_status"), {"ref": report.reference})
    text = status.content.decode()
    assert "已办结" in text and "查实" in text and "已发放" in text and "钻芯" not in text
    # the ledger and its export; finance reads it, the street office does not
    page = client.get(reverse("ratings:rewards")).content.decode()
    assert page.count('data-testid="reward-row"') == 1 and report.reference in page
    sheet = load_workbook(
        BytesIO(client.get(reverse("ratings:rewards"), {"format": "xlsx"}).content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][0] == report.reference and rows[2][3] == 500
    client.force_login(district.finance)
    assert client.get(reverse("ratings:rewards")).status_code == 200
    client.force_login(district.street_zhenhai)
    assert client.get(reverse("ratings:rewards")).status_code == 403
    verbs = list(
        AuditEvent.objects.filter(object_type="ratings.report").values_list("verb", flat=True)
    )
    assert verbs.count(RatingEvents.REPORT_CONCLUDED) == 1
    assert verbs.count(RatingEvents.REPORT_REWARDED) == 1
