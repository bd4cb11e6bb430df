"""Progress the site does not show (issue #18 point 4), through the services a contractor and a
supervisor use: progress raised while the logs show a stopped site, a request for more work than
the logs saw, a completion after too few worked days. tests/planted.py holds the look-alikes
measured by test_evaluation."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from approvals import services as approvals
from dashboards.anomalies import KINDS
from dashboards.rows import ALL_TIME, Period
from inspections.services import patrol_log_record, progress_report
from projects.choices import PaymentStage
from projects.models import Project
from projects.services import payment_request
from tests.funds_helpers import ACCOUNT, under_way

from .conftest import photo

pytestmark = pytest.mark.django_db


def _log(district, project, day, heads):
    patrol_log_record(
        actor=district.supervisor,
        project_id=project.pk,
        client_key=uuid.uuid4(),
        log_date=day,
        weather="晴",
        work_done="路面铺设" if heads else "停工待料",
        head_count=heads,
        photos=[photo(day.toordinal() % 50)],
    )


def _rows(slug, period=ALL_TIME):
    return KINDS[slug].rows(Project.objects.all(), period)


def test_progress_raised_over_a_stopped_week_is_listed_and_a_worked_week_is_not(district):
    today = timezone.localdate()
    project, contractor = under_way(district, progress="")
    _log(district, project, today, 6)
    # worked today: the first report of the day is borne out
    progress_report(actor=contractor, project_id=project.pk, percent="10", text="基层完成")
    assert _rows("progress-no-work") == []

    with time_machine.travel(timezone.now() + timedelta(days=7)):
        later = timezone.localdate()
        for n in range(1, 8):
            _log(district, project, today + timedelta(days=n), 0)
        progress_report(actor=contractor, project_id=project.pk, percent="45", text="面层完成")
    [row] = _rows("progress-no-work")
    assert row.project == project
    assert "10% → 45%" in row.cells
    assert "没有一天记录现场有人施工" in row.why
    assert row.strength == Decimal("3.5")
    # a period that ends before the report leaves it out
    assert _rows("progress-no-work", Period(until=later - timedelta(days=1))) == []
    assert len(_rows("progress-no-work", Period(since=later))) == 1


def test_a_request_past_the_worked_days_and_a_completion_after_two_days_are_listed(district):
    project, contractor = under_way(district, progress="30")
    today = timezone.localdate()
    _log(district, project, today, 5)
    payment_request(
        actor=contractor,
        project_id=project.pk,
        stage=PaymentStage.PROGRESS,
        amount=Decimal("20000"),
        payee_account=ACCOUNT,
    )
    [row] = _rows("payment-over-logs")
    assert row.project == project
    assert "巡查日志记录的施工天数（1 / 计划" in row.why

    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    [done] = _rows("completion-few-days")
    # 100,000 元 at 0.5 worked days per 10,000: five days needed, one logged
    assert done.cells[3:] == [1, 5]
    assert done.strength == 5


def test_the_worked_days_read_as_arrays_equal_the_days_read_row_by_row(district):
    """PostgreSQL's one-array-per-project read gives the days the portable read gives."""
    from django.db import connection

    from dashboards.site_progress import _worked_days

    project, _contractor = under_way(district, progress="")
    start = timezone.localdate()
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        for n, heads in enumerate([6, 0, 4, 5]):
            _log(district, project, start + timedelta(days=n), heads)
    rows = _worked_days(Project.objects.all(), arrays=False)
    assert rows[project.pk] == [start + timedelta(days=n) for n in (0, 2, 3)]
    if connection.vendor == "postgresql":
        assert _worked_days(Project.objects.all(), arrays=True) == rows
