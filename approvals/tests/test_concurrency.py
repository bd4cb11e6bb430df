"""Two reviewers approve the same step at the same moment: one wins, the other gets 409."""

import threading
from decimal import Decimal

import pytest
from django.db import connections
from rest_framework.test import APIClient

from approvals.services import project_transition
from core.audit import verify_chain
from core.models import AuditEvent
from projects.choices import ProjectStatus
from projects.events import ProjectEvents
from projects.models import Project
from projects.tests.factories import make_project


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_reviewers_approving_the_same_step_at_once(district, attempt):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    project_transition(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    events_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def approve(reviewer):
        client = APIClient()
        client.force_authenticate(reviewer)
        try:
            barrier.wait()
            response = client.post(
                f"/api/v1/projects/{project.pk}/transitions/dept_approve/",
                {"comment": reviewer.username},
                format="json",
            )
            results[reviewer.username] = response.status_code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(u,)) for u in (district.dept, district.expert)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results.values()) == [200, 409], results
    winner = next(name for name, code in results.items() if code == 200)
    project = Project.objects.get(pk=project.pk)
    assert project.status == ProjectStatus.DEPT_APPROVED
    assert project.dept_approved_by.username == winner
    new_events = AuditEvent.objects.filter(id__gt=events_before)
    assert [(e.verb, e.comment) for e in new_events] == [(ProjectEvents.DEPT_APPROVE, winner)]
    assert verify_chain().intact
