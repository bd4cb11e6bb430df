"""A discipline officer's reads are in the audit chain, but the audited party never sees them:
only discipline officers find them in a project's history (#16)."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from dashboards.events import DashboardEvents
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_discipline_reads_show_to_discipline_officers_only(client, district):
    project = make_project(district.street_zhenhai, budget_amount="80000", transitions=("submit",))
    # given a discipline officer who reads the project's timeline
    client.force_login(district.discipline)
    assert client.get(reverse("dashboards:timeline", args=[project.pk])).status_code == 200
    read = AuditEvent.objects.get(verb=DashboardEvents.DISCIPLINE_READ, object_id=str(project.pk))
    assert read.object_type == "projects.project"
    label = "纪检监察查阅"
    # then the discipline officer's project page lists the read
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert label in page
    # and the street office, the reviewer see no trace of it
    for user in (district.street_zhenhai, district.dept):
        client.force_login(user)
        page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        assert label not in page, user.username
        assert "discipline.read" not in page
