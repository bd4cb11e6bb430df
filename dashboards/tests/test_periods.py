"""Anomaly lists over a period, with a strength against the rule's threshold (issue #18 point
7): the concentration list counts the period's contracts, by number as well as by amount."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.testing import download_followed
from dashboards.anomalies import KINDS, Period
from dashboards.filters import PeriodForm
from projects.models import Contract, Project

pytestmark = pytest.mark.django_db


def _rows(client, slug, **params):
    # the page\'s rows (the view empties its list once drawn: dashboards/views.py)
    return [
        row
        for row, _lead in client.get(reverse("dashboards:anomaly", args=[slug]), params).context[
            "entries"
        ]
    ]


def test_a_period_before_the_facts_lists_nothing_and_one_around_them_lists_them(
    client, district, world
):
    client.force_login(district.discipline)
    today = timezone.localdate()
    before = {"period": "custom", "since": "2020-01-01", "until": "2020-12-31"}
    # the world's facts lie around today (its patrol gaps a few working days ahead)
    around = {
        "period": "custom",
        "since": str(today - timedelta(days=60)),
        "until": str(today + timedelta(days=60)),
    }
    for slug in KINDS:
        everything = _rows(client, slug)
        assert _rows(client, slug, **before) == [], slug
        assert len(_rows(client, slug, **around)) == len(everything), slug
    page = client.get(reverse("dashboards:anomaly", args=["splits"]), around).content.decode()
    assert 'data-testid="anomaly-period"' in page and around["until"] in page


def test_the_concentration_list_counts_the_periods_contracts_by_number_too(district, world):
    street = district.street_gongchen.organisation
    share = KINDS["contractor-share"]
    # given the world's street: builder_c holds 4 of its 5 contracts (80% of the amount)
    [row] = share.rows(Project.objects.all())
    assert row.strength == Decimal("0.8") / Decimal("0.5")
    # when builder_c's contracts are small and another company's one is large, the amount share
    # falls below the threshold but the number (4 of 5) still lists it
    other = Contract.objects.get(project__street=street, contractor=district.builder_b)
    Contract.objects.filter(pk=other.pk).update(amount=Decimal("400000"))
    [row] = share.rows(Project.objects.all())
    assert "数量占 80%" in row.why and row.cells[1] == district.builder_c.name
    # and in a period that holds none of those contracts, nothing is listed
    long_ago = Period(
        since=timezone.localdate() - timedelta(days=900),
        until=timezone.localdate() - timedelta(days=800),
    )
    assert share.rows(Project.objects.all(), long_ago) == []


def test_rows_come_strongest_first_with_their_strength_in_the_page_and_the_export(
    client, district, world
):
    client.force_login(district.discipline)
    for slug in KINDS:
        rows = _rows(client, slug)
        strengths = [r.strength for r in rows if r.strength is not None]
        assert strengths == sorted(strengths, reverse=True), slug
    page = client.get(reverse("dashboards:anomaly", args=["settlements"])).content.decode()
    assert "1.67×" in page  # 16.7% over against the 10% threshold
    export = download_followed(
        client,
        reverse("dashboards:anomaly", args=["settlements"]),
        {"format": "xlsx", "period": "year"},
    )
    values = [
        c
        for row in load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    texts = [v for v in values if isinstance(v, str)]
    assert "强度" in texts and any("期间" in v for v in texts)
    assert any(isinstance(v, float) and abs(v - 1.67) < 0.01 for v in values)


def test_the_period_choices_name_their_days():
    today = timezone.datetime(2026, 11, 15).date()

    def bounds(**data):
        return PeriodForm(data).bounds(today)

    assert bounds(period="quarter") == (
        today.replace(month=10, day=1),
        today.replace(month=12, day=31),
    )
    assert bounds(period="last_quarter") == (
        today.replace(month=7, day=1),
        today.replace(month=9, day=30),
    )
    assert bounds(period="last_year") == (
        today.replace(year=2025, month=1, day=1),
        today.replace(year=2025, month=12, day=31),
    )
    assert bounds(period="custom", since="2026-03-01", until="2026-02-01") == (None, None)
    assert bounds() == (None, None)
