"""Business days on the Asia/Shanghai calendar."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def is_working_day(day: date) -> bool:
    # Public holidays and make-up working days (调休) are a policy table to come; weekends now.
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
