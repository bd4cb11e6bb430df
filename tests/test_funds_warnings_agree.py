"""Stagnant funds and retention falling due are decided in projects.funds; the project's
funds panel, the finance queue and the nightly warnings job all ask it, so they agree on the
same day."""

from datetime import datetime, timedelta

import pytest
import time_machine

from core.dates import SHANGHAI
from performance.alerts import warnings_refresh
from performance.choices import WarningKind
from performance.models import Warning
from projects import funds
from projects.services import (
    payment_approve,
    payment_mark_paid,
    payment_request,
    payment_return,
    settlement_record,
)
from tests.funds_helpers import accepted, under_way

pytestmark = pytest.mark.django_db

ACCEPTED_AT = datetime(2027, 2, 1, 15, 0, tzinfo=SHANGHAI)


def _open(kind: str, project, rule: str | None = None) -> bool:
    warnings = Warning.objects.filter(kind=kind, project=project, resolved_at__isnull=True)
    return any(rule is None or w.params.get("rule") == rule for w in warnings)


def test_stagnant_funds_from_the_ninetieth_day_after_acceptance_for_both(district):
    with time_machine.travel(ACCEPTED_AT, tick=False):
        project, contractor = under_way(district, progress="100")
        project = accepted(district, project, contractor)
        waiting = payment_request(
            actor=contractor, project_id=project.pk, stage="progress", amount="10000"
        )
        payment_approve(actor=district.finance, payment_id=waiting.pk)
    for moment, stagnant in (
        # the 89th day, late in the evening: not yet
        (ACCEPTED_AT + timedelta(days=89, hours=8), False),
        # the 90th day, early in the morning (less than 90 × 24 hours): now
        (ACCEPTED_AT + timedelta(days=89, hours=10), True),
    ):
        with time_machine.travel(moment, tick=False):
            today = moment.date()
            panel = funds.stagnant_funds_warning(project, project.contract, today)
            warnings_refresh(today=today)
            assert (panel is not None) == stagnant
            assert _open(WarningKind.FUNDS, project, "stagnant") == stagnant


def test_a_returned_retention_request_leaves_the_retention_due_everywhere(district):
    with time_machine.travel(ACCEPTED_AT, tick=False):
        project, contractor = under_way(district, progress="100")
        paid = payment_request(
            actor=contractor, project_id=project.pk, stage="progress", amount="20000"
        )
        payment_approve(actor=district.finance, payment_id=paid.pk)
        payment_mark_paid(
            actor=district.finance,
            payment_id=paid.pk,
            paid_on=ACCEPTED_AT.date(),
            voucher_no="记-1",
        )
        project = accepted(district, project, contractor)
    with time_machine.travel(ACCEPTED_AT + timedelta(days=370), tick=False):
        today = (ACCEPTED_AT + timedelta(days=370)).date()
        settlement_record(
            actor=district.finance, project_id=project.pk, amount="100000", review_record="审定"
        )
        asked = payment_request(
            actor=contractor, project_id=project.pk, stage="retention", amount="3000"
        )
        assert funds.retention_due_list(today) == []
        payment_return(actor=district.finance, payment_id=asked.pk, reason="发票有误")
        # A returned request releases nothing: the retention is still owed, on every list.
        assert [p.pk for p, _due in funds.retention_due_list(today)] == [project.pk]
        assert funds.retention_due_warning(project, project.contract, today) is not None
        warnings_refresh(today=today)
        assert _open(WarningKind.RETENTION, project)
