"""A report's time limit is ten calendar days; when the last one falls in a holiday it ends on
the next working day (core.dates.deadline_after_days)."""

from datetime import date, datetime

import pytest
import time_machine

from core.dates import SHANGHAI
from ratings import services

from .test_ratings import finished

pytestmark = pytest.mark.django_db


def test_a_report_due_on_national_day_is_due_after_the_holiday(district):
    project = finished(district)
    with time_machine.travel(datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI), tick=False):
        report = services.report_record(
            project=project, text="围挡倒塌无人处理", contact="", address="27.1.1.1"
        )
    assert report.ledger_item.deadline == date(2026, 10, 8)  # 1 October + the holiday
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        report = services.report_record(
            project=project, text="夜间施工噪音扰民", contact="", address="27.1.1.2"
        )
    assert report.ledger_item.deadline == date(2026, 11, 12)  # an ordinary day: ten days
