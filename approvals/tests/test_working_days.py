"""Review time limits count working days by the State Council's schedule (core.dates): the
national holiday does not count, a 调休 Saturday does."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from approvals.services import project_transition as fire
from core.dates import is_working_day
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_a_review_submitted_before_national_day_is_due_five_working_days_after_it(district):
    # Wednesday 30 September 2026 is the last working day before 国庆 (1–7 October off);
    # Saturday 10 October is a 调休 working day. Five working days: 8, 9, 10, 12, 13 October.
    assert not any(is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(date(2026, 10, 10))
    with time_machine.travel(datetime(2026, 9, 30, 16, 0, tzinfo=SH), tick=False):
        project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
        project = fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
        assert project.review_due_date == date(2026, 10, 13)
    with time_machine.travel(datetime(2026, 10, 9, 9, 0, tzinfo=SH), tick=False):
        assert not project.review_overdue  # weekdays only would have said due 7 October
    with time_machine.travel(datetime(2026, 10, 13, 23, 0, tzinfo=SH), tick=False):
        assert not project.review_overdue
    with time_machine.travel(datetime(2026, 10, 14, 9, 0, tzinfo=SH), tick=False):
        assert project.review_overdue


def test_a_make_up_sunday_counts_toward_the_limit(district):
    # Friday 18 September: 20 (Sun, 调休), 21, 22, 23, 24 — the Friday 25th is 中秋.
    with time_machine.travel(datetime(2026, 9, 18, 10, 0, tzinfo=SH), tick=False):
        project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
        project = fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
        assert project.review_due_date == date(2026, 9, 24)
