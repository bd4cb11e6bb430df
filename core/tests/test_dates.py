"""The working-day calendar: the package's holidays and 调休, overrides that win over it, the
weekday fallback for a year nobody knows, the per-process cache and its invalidation."""

import logging
from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.cache import cache
from django.urls import reverse

from core import dates
from core.dates import (
    add_working_days,
    covered_years,
    deadline_after_days,
    is_working_day,
    working_day_on_or_after,
    working_days_between,
    working_days_in,
)
from core.events import CoreEvents
from core.models import AuditEvent, WorkingDayOverride

# 国庆 2026 as the installed package has it (checked against its data in the first test):
# 1–7 October off, Sunday 20 September and Saturday 10 October worked (调休).
NATIONAL_DAY_2026 = [date(2026, 10, d) for d in range(1, 8)]
MAKE_UP_SUNDAY = date(2026, 9, 20)
MAKE_UP_SATURDAY = date(2026, 10, 10)
# A year the package does not cover (it raises there); its schedule would be an override.
UNKNOWN_YEAR = covered_years().stop


def test_the_package_knows_national_day_2026_and_its_make_up_days():
    assert 2026 in covered_years()
    for day in NATIONAL_DAY_2026:
        assert chinese_calendar.get_holiday_detail(day) == (True, "National Day")
        assert not is_working_day(day)
    for day in (MAKE_UP_SUNDAY, MAKE_UP_SATURDAY):
        assert day.weekday() >= 5 and chinese_calendar.is_workday(day)
        assert is_working_day(day)
    assert is_working_day(date(2026, 9, 30)) and is_working_day(date(2026, 10, 8))
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_spring_festival_2026_weekdays_are_not_working_days():
    assert [is_working_day(date(2026, 2, d)) for d in range(13, 25)] == [
        True,  # Fri 13
        True,  # Sat 14: 调休
        *[False] * 9,  # Sun 15 – Mon 23
        True,  # Tue 24
    ]


def test_add_working_days_across_national_day_counts_the_make_up_saturday():
    # Wednesday 30 September, the last working day before the holiday: 8, 9, 10 (Sat), 12, 13.
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == -5
    assert working_days_in(date(2026, 10, 1), date(2026, 10, 12)) == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        MAKE_UP_SATURDAY,
        date(2026, 10, 12),
    ]


def test_working_days_between_agrees_with_counting_day_by_day_across_years():
    start = date(2025, 12, 20)
    for n in range(0, 400, 7):
        end = start + timedelta(days=n)
        by_hand = sum(is_working_day(start + timedelta(days=k)) for k in range(1, n + 1))
        assert working_days_between(start, end) == by_hand


def test_a_calendar_day_limit_ending_on_a_rest_day_moves_to_the_next_working_day():
    assert deadline_after_days(date(2026, 9, 21), 10) == date(2026, 10, 8)  # 1 Oct → 8 Oct
    assert deadline_after_days(date(2026, 9, 22), 10) == date(2026, 10, 8)
    assert deadline_after_days(date(2026, 9, 25), 15) == MAKE_UP_SATURDAY  # a working day
    assert deadline_after_days(date(2026, 11, 2), 15) == date(2026, 11, 17)  # as before
    assert working_day_on_or_after(date(2026, 11, 7)) == date(2026, 11, 9)


def test_an_unknown_year_counts_weekdays_and_warns_once(caplog):
    monday = date(UNKNOWN_YEAR, 1, 1)
    monday += timedelta(days=-monday.weekday() + 7)
    with caplog.at_level(logging.WARNING, logger="core.dates"):
        assert is_working_day(monday)
        assert not is_working_day(monday + timedelta(days=5))
        assert add_working_days(monday, 5) == monday + timedelta(days=7)
    warnings = [r for r in caplog.records if str(UNKNOWN_YEAR) in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.django_db
def test_an_override_decides_a_date_the_package_does_not_know():
    # Say the State Council makes the Monday after New Year a holiday: the package cannot
    # know it before its next release, the table does.
    day = date(UNKNOWN_YEAR, 1, 1)
    day += timedelta(days=(7 - day.weekday()) % 7)  # first Monday
    assert is_working_day(day)
    WorkingDayOverride.objects.create(day=day, is_working_day=False, name=f"{UNKNOWN_YEAR} 元旦")
    assert not is_working_day(day)
    assert add_working_days(day - timedelta(days=3), 1) == day + timedelta(days=1)


@pytest.mark.django_db
def test_an_override_wins_over_the_package():
    WorkingDayOverride.objects.create(day=date(2026, 10, 7), is_working_day=True, name="更正")
    WorkingDayOverride.objects.create(day=date(2026, 9, 30), is_working_day=False, name="更正")
    assert is_working_day(date(2026, 10, 7))
    assert not is_working_day(date(2026, 9, 30))
    assert add_working_days(date(2026, 9, 29), 1) == date(2026, 10, 7)


@pytest.mark.django_db
def test_editing_or_deleting_an_override_invalidates_the_cache(django_assert_num_queries):
    day = date(2026, 11, 16)  # an ordinary Monday
    assert working_days_between(date(2026, 11, 13), day) == 1
    override = WorkingDayOverride.objects.create(day=day, is_working_day=False, name="临时")
    assert not is_working_day(day)
    assert working_days_between(date(2026, 11, 13), day) == 0  # the running counts too
    override.is_working_day = True
    override.save()
    assert is_working_day(day)
    override.delete()
    with django_assert_num_queries(1):  # read again once, then from memory
        assert is_working_day(day)
        assert is_working_day(day + timedelta(days=1))


@pytest.mark.django_db
def test_the_overrides_are_read_once_not_per_day(django_assert_num_queries):
    WorkingDayOverride.objects.create(day=date(2026, 11, 20), is_working_day=False, name="x")
    dates.forget_overrides()  # as a fresh process
    with django_assert_num_queries(1):
        assert add_working_days(date(2026, 11, 2), 30) == date(2026, 12, 15)
        assert working_days_between(date(2026, 11, 2), date(2026, 12, 15)) == 30
        assert add_working_days(date(2026, 9, 1), 40) == date(2026, 11, 2)
    with django_assert_num_queries(0):
        assert add_working_days(date(2026, 11, 2), 30) == date(2026, 12, 15)


@pytest.mark.django_db
def test_another_process_s_edit_is_seen_at_the_next_request(client, district):
    day = date(2026, 11, 16)
    # Another process saved an override and published a new generation after its commit.
    WorkingDayOverride.objects.bulk_create(  # no signal: this process does not know yet
        [WorkingDayOverride(day=day, is_working_day=False, name="另一进程")]
    )
    assert is_working_day(day)
    cache.set(dates.GENERATION_KEY, "another-generation")
    assert is_working_day(day)  # not before a request or task starts
    client.get(reverse("login"))
    assert not is_working_day(day)


@pytest.mark.django_db
def test_the_admin_edits_overrides_into_the_audit_chain(client, district):
    admin = district.admin
    client.force_login(admin)
    day = date(UNKNOWN_YEAR, 2, 1)
    response = client.post(
        reverse("admin:core_workingdayoverride_add"),
        {"day": day.isoformat(), "name": f"{UNKNOWN_YEAR} 春节", "note": "国办发明电"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = WorkingDayOverride.objects.get()
    assert (override.is_working_day, override.created_by, override.updated_by) == (
        False,
        admin,
        admin,
    )
    assert not is_working_day(day)
    response = client.post(
        reverse("admin:core_workingdayoverride_change", args=[override.pk]),
        {"day": day.isoformat(), "is_working_day": "on", "name": f"{UNKNOWN_YEAR} 春节调休"},
    )
    assert response.status_code == 302
    assert is_working_day(day)
    verbs = list(
        AuditEvent.objects.filter(object_type="core.workingdayoverride")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [CoreEvents.ADMIN_CREATED, CoreEvents.ADMIN_CHANGED]
    page = client.get(reverse("admin:core_workingdayoverride_changelist")).content.decode()
    assert f"{covered_years().start}–{covered_years().stop - 1}" in page
