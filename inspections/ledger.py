"""The ledger's warning colours (SPEC §5): blue at half time, yellow within 3 days, red
overdue. The thresholds are settings so the district can change them."""

from datetime import date

from django.conf import settings

from projects.choices import WarningLevel

from .choices import ItemStatus


def warning_colour(item, today: date) -> str | None:
    if item.status == ItemStatus.CLOSED:
        return None
    rules = settings.LEDGER_WARNINGS
    if today > item.deadline:
        return WarningLevel.RED
    if (item.deadline - today).days <= rules["yellow_days_left"]:
        return WarningLevel.YELLOW
    span = (item.deadline - item.opened_on).days
    if (today - item.opened_on).days >= span * rules["blue_share_elapsed"]:
        return WarningLevel.BLUE
    return None
