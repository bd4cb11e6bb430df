"""The chart of projects by month shows MONTHS_SHOWN calendar months, this one included,
counted with core.periods.add_months (no day arithmetic)."""

from datetime import datetime

import pytest
import time_machine

from core.dates import SHANGHAI
from dashboards.selectors import MONTHS_SHOWN, dashboard_figures
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_the_month_chart_starts_months_shown_minus_one_months_back(district):
    # given: a project filed on the first and the last day of the months around the edge
    moments = [
        datetime(2024, 3, 31, 23, 0, tzinfo=SHANGHAI),  # 25 months back: left out
        datetime(2024, 4, 1, 0, 30, tzinfo=SHANGHAI),  # 24 months back, this one included
        datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI),
    ]
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            make_project(district.street_zhenhai)
    # when: the dashboard is read on the last day of March 2026
    with time_machine.travel(datetime(2026, 3, 31, 12, 0, tzinfo=SHANGHAI), tick=False):
        months = dashboard_figures(Project.objects.all(), filtered=False)["by_month"]
    # then
    assert MONTHS_SHOWN == 24
    assert [m.key for m in months] == ["2024-04", "2026-03"]
