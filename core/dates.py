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


class _Loaded:
    """The overrides as read, and the running counts built on them. Replaced whole, never
    changed in place but for adding a year's counts, so a thread of a gthread worker never
    mixes an old table with new overrides."""

    def __init__(self, overrides: dict[date, bool], generation: str | None):
        self.overrides = overrides
        self.generation = generation
        # year → running count: running[year][n] = working days among its first n days
        self.running: dict[int, list[int]] = {}


_loaded: _Loaded | None = None
_check_generation = False
_warned_years: set[int] = set()


def _current() -> _Loaded:
    global _loaded, _check_generation
    loaded = _loaded
    if _check_generation:
        _check_generation = False
        if loaded is not None and _shared_generation(loaded) != loaded.generation:
            loaded = None
    if loaded is None:
        from .models import WorkingDayOverride

        generation = _shared_generation(None)
        rows = WorkingDayOverride.objects.values_list("day", "is_working_day")
        loaded = _loaded = _Loaded(dict(rows), generation)
    return loaded


def _shared_generation(loaded: _Loaded | None) -> str | None:
    try:
        return cache.get(GENERATION_KEY)
    except Exception:  # the shared cache being down must not stop a deadline: keep the copy
        logger.warning("working-day overrides: shared cache unreachable", exc_info=True)
        return loaded.generation if loaded else None


def forget_overrides(**_signal) -> None:
    """An override was saved or deleted: this process reads them again at once, the others at
    their next request or task once the change is committed and visible to them."""
    global _loaded
    _loaded = None

    def publish() -> None:
        global _loaded
        _loaded = None  # what was re-read inside the transaction may since have been rolled back
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
    global _loaded, _check_generation
    _loaded = _Loaded({}, _shared_generation(None))
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
    return _decide(day, _current().overrides)


def _decide(day: date, overrides: dict[date, bool]) -> bool:
    override = overrides.get(day)
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
    overrides = _current().overrides
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if _decide(current, overrides):
            remaining -= 1
    return current


def _year_running(loaded: _Loaded, year: int) -> list[int]:
    running = loaded.running.get(year)
    if running is None:
        running, count, day = [0], 0, date(year, 1, 1)
        while day.year == year:
            count += _decide(day, loaded.overrides)
            running.append(count)
            day += timedelta(days=1)
        loaded.running[year] = running
    return running


def working_days_between(start: date, end: date) -> int:
    """The working days after `start` up to and including `end` (negative when end < start),
    so that working_days_between(d, add_working_days(d, n)) == n. Constant time per call: a
    page may ask it for every open ledger item."""
    if end < start:
        return -working_days_between(end, start)
    loaded = _current()
    # running[n] counts the first n days of the year: up to and including day n (1-based).
    count = (
        _year_running(loaded, end.year)[end.timetuple().tm_yday]
        - _year_running(loaded, start.year)[start.timetuple().tm_yday]
    )
    for year in range(start.year, end.year):
        count += _year_running(loaded, year)[-1]
    return count


def working_days_in(first: date, last: date) -> list[date]:
    """The working days from `first` to `last`, both included."""
    overrides = _current().overrides
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if _decide(day, overrides)]


def working_day_on_or_after(day: date) -> date:
    overrides = _current().overrides
    current = day
    while not _decide(current, overrides):
        current += timedelta(days=1)
    return current


def deadline_after_days(start: date, days: int) -> date:
    """A time limit of `days` calendar days from `start`; when its last day is a rest day the
    limit ends on the next working day (民法典 第二百零三条)."""
    return working_day_on_or_after(start + timedelta(days=days))
