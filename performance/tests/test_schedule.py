"""工期 (issue #14 point 6, docs/rules.md §9): past its planned end a project is yellow, red from
the policy's days, with a warning to the street office, the 住建局 and the contractor and a
ledger item for the contractor; an extension approved at the project's level moves the end."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from approvals import services as approvals
from core.errors import ConflictError
from inspections.choices import ItemSource
from inspections.models import RectificationItem
from performance import tasks
from performance.choices import WarningKind
from performance.models import Warning
from performance.risk import assess, colour_of
from projects.choices import RiskColour, WarningLevel
from projects.models import Project
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db


def _colour(project, day):
    reasons = assess([project.pk], day)[project.pk]
    return colour_of(reasons), reasons


def test_late_turns_yellow_then_red_with_a_warning_and_one_ledger_item(district):
    project, contractor = under_way(district)
    end = project.planned_end
    assert _colour(project, end)[0] == RiskColour.GREEN  # due today: not late yet
    colour, reasons = _colour(project, end + timedelta(days=3))
    assert {"code": "late", "params": {"days": 3}} in reasons
    colour, reasons = _colour(project, end + timedelta(days=10))
    assert colour == RiskColour.RED
    assert {"code": "late_red", "params": {"days": 10}} in reasons

    day = end + timedelta(days=10)
    with time_machine.travel(day):
        tasks.warnings_refresh(day.isoformat())
        tasks.warnings_refresh(day.isoformat())  # the next night: still one of each
    warning = Warning.objects.get(kind=WarningKind.LATE, project=project)
    assert warning.level == WarningLevel.RED
    told = set(warning.recipients.values_list("user_id", flat=True))
    assert {district.street_zhenhai.pk, district.dept.pk, contractor.pk} <= told
    [item] = RectificationItem.objects.filter(project=project, source=ItemSource.SCHEDULE)
    assert item.responsible_organisation_id == project.contractor_id
    assert "10 天" in item.problem


def test_an_extension_approved_at_the_project_level_moves_the_planned_end(client, district):
    project, contractor = under_way(district)
    end = project.planned_end
    new_end = end + timedelta(days=30)
    first = approvals.extension_request(
        actor=contractor, project_id=project.pk, new_end=new_end, reason="雨季停工"
    )
    again = approvals.extension_request(
        actor=contractor, project_id=project.pk, new_end=new_end, reason="雨季停工"
    )
    assert again.pk == first.pk  # a double submission answers like the first
    with pytest.raises(ConflictError):  # another while one waits
        approvals.extension_request(
            actor=district.street_zhenhai, project_id=project.pk, new_end=end, reason="x"
        )
    for actor in (contractor, district.street_zhenhai, district.dept):
        with pytest.raises(PermissionDenied):  # the asker, or not the approving level
            approvals.extension_decide(actor=actor, extension_id=first.pk, approve=True)

    # the page offers the decision to the 发改局 that approved the project
    client.force_login(district.drc)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-action="extension-approve"' in page
    client.post(
        reverse("approvals:extension_decide", args=[project.pk, first.pk]),
        {"decision": "approve", "comment": "雨季顺延"},
    )
    project = Project.objects.get(pk=project.pk)
    assert project.planned_end == new_end
    assert _colour(project, end + timedelta(days=10))[0] == RiskColour.GREEN


def test_delay_enters_the_quarterly_score_with_its_weight(client, district):
    """工期 in the contractor's quarterly breakdown: due in the quarter, on time or late, with
    the weight the scoring policy gives it (issue #14 point 6)."""
    from datetime import date, datetime
    from decimal import Decimal

    from core.dates import SHANGHAI
    from performance.models import CompanyScore, PerformancePolicy
    from performance.scoring import performance_score_quarter

    PerformancePolicy.objects.create(
        effective_from=date(2026, 1, 1),
        weight_quality=30,
        weight_satisfaction=30,
        weight_funds=20,
        weight_schedule=20,
    )
    on_time, _c = under_way(district)
    late, _c2 = under_way(district)
    Project.objects.filter(pk__in=[on_time.pk, late.pk]).update(
        contractor=district.builder, planned_start=date(2026, 10, 8), planned_end=date(2026, 11, 30)
    )
    Project.objects.filter(pk=on_time.pk).update(
        completed_at=datetime(2026, 11, 28, 16, tzinfo=SHANGHAI)
    )
    period = performance_score_quarter(quarter="2026Q4")
    score = CompanyScore.objects.get(period=period, organisation=district.builder)
    assert (score.due_projects, score.on_time_projects) == (2, 1)
    assert score.schedule_rate == Decimal("50.00")
    assert score.late_days == (date(2026, 12, 31) - date(2026, 11, 30)).days  # open: to Q end
    assert period.weights["schedule"] == 20

    client.force_login(district.discipline)
    page = client.get(
        reverse("performance:company", args=["2026Q4", district.builder.pk])
    ).content.decode()
    assert "工期达标率：50.00%" in page and "权重 20%" in page
    assert page.count('data-testid="evidence-schedule"') == 2
    assert "20 × 50.00" in page  # in the score's formula
