"""The ledger's warning colours (docs/rules.md §5): blue when half the working days are gone, yellow
within 3 working days of the deadline, red overdue; working days by core.dates (holidays and
调休). The thresholds are settings so the district can change them."""

from datetime import date

from django.conf import settings

from core.dates import working_days_between
from projects.choices import WarningLevel

from .choices import ItemStatus
from .models import RectificationItem


def warning_colour(item, today: date) -> str | None:
    if item.status == ItemStatus.CLOSED:
        return None
    rules = settings.LEDGER_WARNINGS
    if today > item.deadline:
        return WarningLevel.RED
    if working_days_between(today, item.deadline) <= rules["yellow_days_left"]:
        return WarningLevel.YELLOW
    span = working_days_between(item.opened_on, item.deadline)
    if working_days_between(item.opened_on, today) >= span * rules["blue_share_elapsed"]:
        return WarningLevel.BLUE
    return None


def open_item_count(project) -> int:
    """The project's ledger items not yet closed (销号): acceptance, and a village supervisor's
    signature on it, wait for none to be left."""

    return (
        RectificationItem.objects.filter(project=project).exclude(status=ItemStatus.CLOSED).count()
    )
