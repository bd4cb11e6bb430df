"""Business days on the Asia/Shanghai calendar: the one place that says whether a date is a
working day (statutory holidays and 调休 from the `chinese-calendar` package, overridden by the
admin table WorkingDayOverride), and the arithmetic every deadline uses. See docs/calendar.md."""

import functools
import logging
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.core.cache import cache
from django.db import transaction

SHANGHAI = ZoneInfo("Asia/Shanghai")

logger = logging.getLogger(__name__)


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


# --- what the calendar knows --------------------------------------------------------------------

# The overrides are read once per process (one query) and kept until one is saved or deleted:
# the saving process forgets them at once; the others see a new generation in the shared cache
# at the start of their next request or task (core.apps connects the signals).
GENERATION_KEY = "core:working-day-overrides:generation"
_overrides: dict[date, bool] | None = None
_loaded_generation: str | None = None
_check_generation = False
# year → running count of working days: _running[year][n] = working days among its first n days.
_running: dict[int, list[int]] = {}
_warned_years: set[int] = set()


def _forget() -> None:
    global _overrides
    _overrides = None
    _running.clear()


def _override_map() -> dict[date, bool]:
    global _overrides, _loaded_generation, _check_generation
    if _check_generation:
        _check_generation = False
        if _overrides is not None and _shared_generation() != _loaded_generation:
            _forget()
    if _overrides is None:
        from .models import WorkingDayOverride

        _loaded_generation = _shared_generation()
        _overrides = dict(WorkingDayOverride.objects.values_list("day", "is_working_day"))
    return _overrides


def _shared_generation() -> str | None:
    try:
        return cache.get(GENERATION_KEY)
    except Exception:  # the shared cache being down must not stop a deadline: keep the copy
        logger.warning("working-day overrides: shared cache unreachable", exc_info=True)
        return _loaded_generation


def forget_overrides(**_signal) -> None:
    """An override was saved or deleted: this process reads them again at once, the others at
    their next request or task once the change is committed and visible to them."""
    _forget()

    def publish() -> None:
        _forget()  # what was re-read inside the transaction may since have been rolled back
        try:
            cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
        except Exception:
            logger.warning("working-day overrides: shared cache unreachable", exc_info=True)

    transaction.on_commit(publish)


def check_generation(**_signal) -> None:
    """At the start of a request or task: compare with the shared generation on next use."""
    global _check_generation
    _check_generation = True


def reset_for_tests() -> None:
    """Tests: start with no overrides (the test database holds none), already loaded, so that
    no test pays the loading query inside another's query count."""
    global _overrides, _loaded_generation, _check_generation
    _forget()
    _overrides = {}
    _loaded_generation = _shared_generation()
    _check_generation = False
    _warned_years.clear()


@functools.cache
def _package_working_days(year: int) -> frozenset[date] | None:
    """The year's working days by the package, or None for a year it does not cover."""
    try:
        days = chinese_calendar.get_workdays(date(year, 1, 1), date(year, 12, 31))
    except NotImplementedError:
        return None
    return frozenset(days)


def covered_years() -> range:
    """The years the installed package knows (its data ends with the last published year)."""
    first = last = 2004  # the package's data begins with the 2004 schedule
    while _package_working_days(last + 1) is not None:
        last += 1
    return range(first, last + 1)


# --- the one question -----------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    """An override if there is one; else the State Council's schedule as the package has it;
    for a year the package does not cover, Monday to Friday (with a warning, once a year)."""
    override = _override_map().get(day)
    if override is not None:
        return override
    known = _package_working_days(day.year)
    if known is None:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "No holiday schedule for %s: neither the chinese-calendar package nor "
                "WorkingDayOverride rows know it; counting Monday to Friday (docs/calendar.md)",
                day.year,
            )
        return day.weekday() < 5
    return day in known


# --- arithmetic -----------------------------------------------------------------------------


def add_working_days(start: date, days: int) -> date:
    """The day on which `days` working days after `start` are done (start itself not counted):
    a 5-working-day limit from the last working day before 国庆 ends well after the holiday."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def _year_running(year: int) -> list[int]:
    _override_map()  # (re)load first: a reload empties _running
    running = _running.get(year)
    if running is None:
        running, count, day = [0], 0, date(year, 1, 1)
        while day.year == year:
            count += is_working_day(day)
            running.append(count)
            day += timedelta(days=1)
        _running[year] = running
    return running


def _through(day: date) -> int:
    """Working days from 1 January of its year up to and including `day`."""
    return _year_running(day.year)[day.timetuple().tm_yday]


def working_days_between(start: date, end: date) -> int:
    """The working days after `start` up to and including `end` (negative when end < start),
    so that working_days_between(d, add_working_days(d, n)) == n. Constant time per call: a
    page may ask it for every open ledger item."""
    if end < start:
        return -working_days_between(end, start)
    count = _through(end) - _through(start)
    for year in range(start.year, end.year):
        count += _year_running(year)[-1]
    return count


def working_days_in(first: date, last: date) -> list[date]:
    """The working days from `first` to `last`, both included."""
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if is_working_day(first + timedelta(days=n))
    ]


def working_day_on_or_after(day: date) -> date:
    current = day
    while not is_working_day(current):
        current += timedelta(days=1)
    return current


def deadline_after_days(start: date, days: int) -> date:
    """A time limit of `days` calendar days from `start`; when its last day is a rest day the
    limit ends on the next working day (民法典 第二百零三条)."""
    return working_day_on_or_after(start + timedelta(days=days))
