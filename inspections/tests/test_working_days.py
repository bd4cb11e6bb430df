"""Site supervision on the State Council's calendar (core.dates): no patrol log is owed on a
statutory holiday, one is owed on a 调休 working weekend day, a late log filed after a holiday
still counts, and ledger colours and spot-check limits count around the holiday."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.dates import SHANGHAI, is_working_day
from inspections import services
from inspections.choices import ItemSource
from inspections.ledger import warning_colour
from inspections.models import PatrolViolation, RectificationItem
from inspections.tasks import find_missing_patrol_logs
from projects.choices import WarningLevel

from .test_patrol_logs import log, site

pytestmark = pytest.mark.django_db


def _at(day: date, hour: int = 9):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


def test_no_violation_during_the_spring_festival_holiday(district):
    with _at(date(2026, 2, 9)):
        project, _ = site(district)  # under way from Monday 9 February
    holiday = [date(2026, 2, d) for d in range(15, 24)]  # 春节 2026: 15–23 February
    assert not any(is_working_day(day) for day in holiday)
    for day in holiday:
        assert services.record_missing_patrol_logs(day) == []
    # The 调休 Saturdays around it are working days, and a missing log on them is a violation.
    assert [v.day for v in services.record_missing_patrol_logs(date(2026, 2, 14))] == [
        date(2026, 2, 14)
    ]
    assert len(services.record_missing_patrol_logs(date(2026, 2, 28))) == 1
    assert set(PatrolViolation.objects.filter(project=project).values_list("day", flat=True)) == {
        date(2026, 2, 14),
        date(2026, 2, 28),
    }


def test_the_nightly_job_over_national_day_charges_only_working_days(district):
    with _at(date(2026, 9, 28)):
        project, _ = site(district)  # under way from Monday 28 September
    # Nights up to Sunday 4 October: 29 and 30 September are missing; 1–4 October are 国庆.
    assert find_missing_patrol_logs(until="2026-10-04") == 2
    # Up to Sunday 11 October: 5–7 October are 国庆; 8, 9 and the 调休 Saturday 10th count.
    with _at(date(2026, 10, 9)):
        log(district, project, day=date(2026, 10, 9))  # Friday's log is in
    assert find_missing_patrol_logs(until="2026-10-11") == 2
    assert sorted(PatrolViolation.objects.values_list("day", flat=True)) == [
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 10),
    ]


def test_a_log_sent_on_the_first_working_day_after_the_holiday_withdraws_the_violation(district):
    with _at(date(2026, 9, 28)):
        project, _ = site(district)
    assert len(services.record_missing_patrol_logs(date(2026, 9, 30))) == 1
    # Seven days end on 7 October, a holiday: the limit runs to Thursday 8 October.
    with _at(date(2026, 10, 8)):
        log(district, project, day=date(2026, 9, 30))
    assert PatrolViolation.objects.get(day=date(2026, 9, 30)).withdrawn_at is not None
    with _at(date(2026, 10, 9)), pytest.raises(ValidationError) as refused:
        log(district, project, day=date(2026, 9, 29))
    assert "log_date" in refused.value.message_dict


def test_ledger_colours_count_working_days_around_national_day(district):
    with _at(date(2026, 9, 28)):
        project, _ = site(district)
        item = services.item_open(
            actor=district.dept,
            project_id=project.pk,
            source=ItemSource.PATROL_LOG,
            problem="基坑临边未设防护栏",
            responsible_organisation_id=project.contractor_id,
            deadline=date(2026, 10, 9),
            standard="按规范设置1.2米防护栏",
        )
    # Eleven calendar days, but four working days: 29, 30 September, 8, 9 October.
    assert warning_colour(item, date(2026, 9, 28)) is None
    # Ten calendar days before the deadline, but only three working days left: yellow.
    assert warning_colour(item, date(2026, 9, 29)) == WarningLevel.YELLOW
    assert warning_colour(item, date(2026, 10, 5)) == WarningLevel.YELLOW
    assert warning_colour(item, date(2026, 10, 10)) == WarningLevel.RED


def test_a_failed_spot_check_s_limit_ending_in_the_holiday_runs_past_it(district):
    with _at(date(2026, 9, 16)):
        project, _ = site(district)
        services.spot_check_record(
            actor=district.dept, project_id=project.pk, items=[("压实度", False, "压实度不足")]
        )
    item = RectificationItem.objects.get(project=project)
    assert item.opened_on + timedelta(days=15) == date(2026, 10, 1)
    assert item.deadline == date(2026, 10, 8)
