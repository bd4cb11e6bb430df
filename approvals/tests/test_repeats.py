"""A transition or a change decision sent again by the one who made it (a double click, a form
sent twice, a retry after a lost answer) answers like the first and records nothing twice;
anyone else, or the same person much later, is still told the project has moved on (#16)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from approvals import services
from approvals.tests.helpers import contracted_general
from core.errors import ConflictError
from core.models import AuditEvent
from projects.choices import ProjectStatus
from projects.events import ProjectEvents
from projects.models import Contract
from projects.tests.factories import apart, make_project

pytestmark = pytest.mark.django_db


def _events(project, verb) -> int:
    return AuditEvent.objects.filter(object_id=str(project.pk), verb=verb).count()


def test_filing_sent_twice_by_its_filer_answers_like_the_first(district):
    project = make_project(district.street_zhenhai, **apart(1))
    first = services.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="file"
    )
    again = services.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="file"
    )
    assert first.status == again.status == ProjectStatus.APPROVED
    assert _events(project, ProjectEvents.FILE) == 1


def test_someone_else_or_much_later_is_told_the_project_has_moved_on(district):
    project = make_project(district.street_zhenhai, **apart(2))
    services.project_transition(actor=district.street_zhenhai, project_id=project.pk, name="file")
    with pytest.raises(ConflictError):  # a colleague of the same street office
        services.project_transition(
            actor=district.street_zhenhai_2, project_id=project.pk, name="file"
        )
    with time_machine.travel(timezone.now() + timedelta(minutes=11)), pytest.raises(ConflictError):
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="file"
        )
    with pytest.raises(ConflictError):  # another transition than the one just fired
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="submit"
        )
    assert _events(project, ProjectEvents.FILE) == 1


def test_a_change_decision_sent_twice_is_applied_once(district):
    project = contracted_general(district, contract_amount="100000")
    change = services.change_request(
        actor=district.street_zhenhai, project_id=project.pk, amount_delta="5000", reason="加宽"
    )
    services.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    again = services.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    assert again.pk == change.pk
    contract = Contract.objects.get(project=project)
    assert str(contract.approved_changes_total) == "5000.00"
    with pytest.raises(ConflictError):  # the opposite decision is no repeat
        services.change_decide(actor=district.drc, change_id=change.pk, approve=False)
