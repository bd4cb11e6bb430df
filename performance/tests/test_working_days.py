"""Warning timers on the State Council's calendar (core.dates): a review step waiting over
国庆 is not overdue until five working days after the holiday have passed."""

from datetime import date
from decimal import Decimal

from approvals.services import project_transition as fire
from projects.choices import WarningLevel
from projects.tests.factories import make_project

from ..alerts import warnings_refresh
from ..choices import WarningKind
from ..models import Warning
from .builders import at


def _review_warning():
    return Warning.objects.filter(kind=WarningKind.REVIEW_OVERDUE, resolved_at__isnull=True)


def test_a_review_waiting_over_national_day_warns_only_after_its_working_days(district):
    with at(date(2026, 9, 30)):  # the last working day before the holiday
        project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
        fire(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    for day in (date(2026, 10, 7), date(2026, 10, 9), date(2026, 10, 12)):
        warnings_refresh(today=day)
        assert not _review_warning().exists(), day  # weekdays only: due 7 October
    warnings_refresh(today=date(2026, 10, 13))  # 8, 9, 10 (调休 Saturday), 12, 13
    assert _review_warning().get().level == WarningLevel.YELLOW
    warnings_refresh(today=date(2026, 10, 14))
    warning = _review_warning().get()
    assert warning.level == WarningLevel.RED
    assert "2026-10-13" in warning.params["due"]
