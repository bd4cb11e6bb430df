"""Leads (线索, issue #18 point 8): opened from an anomaly row with its evidence attached, worked
from 初核 to 立案 or 了结 with reasons, exported; every step an audit event that only discipline
officers see; nobody else reaches a lead."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from core.dates import add_working_days
from core.errors import ConflictError
from core.models import AuditEvent
from dashboards import leads
from dashboards.anomalies import KINDS
from dashboards.choices import LeadStatus
from dashboards.events import DashboardEvents
from dashboards.models import Lead, LeadPolicy
from projects.models import Project

pytestmark = pytest.mark.django_db

LEAD_VERBS = [
    DashboardEvents.LEAD_OPENED,
    DashboardEvents.LEAD_NOTED,
    DashboardEvents.LEAD_ASSIGNED,
    DashboardEvents.LEAD_DECIDED,
]


def _split_row(world):
    rows = KINDS["splits"].rows(Project.objects.all())
    assert len(rows) == 1
    return rows[0]


def test_a_lead_is_opened_from_a_row_with_its_evidence_once(client, district, world):
    # given the one 化整为零 row the world plants
    row = _split_row(world)
    client.force_login(district.discipline)
    page = client.get(reverse("dashboards:anomaly", args=["splits"]))
    assert 'data-testid="open-lead"' in page.content.decode()
    # when the officer opens a lead from it, twice (a double click)
    body = {"kind": "splits", "row_key": row.key, "query": ""}
    first = client.post(reverse("dashboards:lead_open"), body)
    second = client.post(reverse("dashboards:lead_open"), body)
    # then one lead exists, carrying the row's reason, figures and evidence links
    lead = Lead.objects.get()
    assert first.url == second.url == reverse("dashboards:lead", args=[lead.pk])
    assert lead.status == LeadStatus.PRELIMINARY
    assert lead.why == str(row.why) and lead.cells == [str(c) for c in row.cells]
    assert lead.evidence == [[str(label), url] for label, url in row.evidence]
    assert lead.assigned_to == district.discipline
    assert lead.reference.startswith(f"XS{timezone.localdate():%Y%m%d}-")
    # the row now links to its lead instead of offering another
    page = client.get(reverse("dashboards:anomaly", args=["splits"])).content.decode()
    assert lead.reference in page and 'data-testid="open-lead"' not in page
    # and exactly one event was recorded, with the evidence
    opened = AuditEvent.objects.get(verb=DashboardEvents.LEAD_OPENED)
    assert opened.after["evidence"] == lead.evidence


def test_a_row_that_is_gone_is_refused_with_a_message(client, district, world):
    client.force_login(district.discipline)
    response = client.post(
        reverse("dashboards:lead_open"), {"kind": "splits", "row_key": "0" * 32, "query": ""}
    )
    assert response.status_code == 302 and not Lead.objects.exists()
    shown = client.get(response.url).content.decode()
    assert "该异常已不在列表中" in shown


def test_the_preliminary_limit_follows_the_policy_in_working_days(district, world):
    opened_on = date(2026, 9, 28)  # the National Day holiday follows
    LeadPolicy.objects.create(effective_from=date(2026, 1, 1), preliminary_working_days=5)
    row = _split_row(world)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 9, 28, 10))):
        lead, created = leads.lead_open(
            actor=district.discipline,
            kind="splits",
            row_key=row.key,
            projects=Project.objects.all(),
        )
    assert created
    assert lead.due_on == add_working_days(opened_on, 5)
    assert lead.due_on > date(2026, 10, 8)  # the holiday week does not count
    assert leads.lead_counts(lead.due_on)["overdue"] == 0
    assert leads.lead_counts(date(2026, 10, 31))["overdue"] == 1


def _lead(district, world) -> Lead:
    row = _split_row(world)
    return leads.lead_open(
        actor=district.discipline, kind="splits", row_key=row.key, projects=Project.objects.all()
    )[0]


def test_a_lead_is_worked_to_a_case_and_then_closed_with_reasons(district, world):
    lead = _lead(district, world)
    colleague = UserFactory(
        username="discipline_b",
        organisation=district.discipline.organisation,
        role=Role.DISCIPLINE_OFFICER,
    )
    leads.lead_note_add(actor=district.discipline, lead_id=lead.pk, text="调取两个项目的合同")
    leads.lead_assign(actor=district.discipline, lead_id=lead.pk, officer_id=colleague.pk)
    # reasons are required, and only 初核 can become 立案
    with pytest.raises(ValidationError):
        leads.lead_decide(actor=colleague, lead_id=lead.pk, outcome="filed", reason=" ")
    lead = leads.lead_decide(actor=colleague, lead_id=lead.pk, outcome="filed", reason="拆分属实")
    assert lead.status == LeadStatus.FILED and lead.decided_by == colleague
    with pytest.raises(ConflictError):
        leads.lead_decide(actor=colleague, lead_id=lead.pk, outcome="filed", reason="再次")
    lead = leads.lead_decide(actor=colleague, lead_id=lead.pk, outcome="closed", reason="已处分")
    assert lead.status == LeadStatus.CLOSED
    with pytest.raises(ConflictError):
        leads.lead_note_add(actor=colleague, lead_id=lead.pk, text="补充")
    # each step one event, in order
    verbs = list(
        AuditEvent.objects.filter(object_type="dashboards.lead")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        DashboardEvents.LEAD_OPENED,
        DashboardEvents.LEAD_NOTED,
        DashboardEvents.LEAD_ASSIGNED,
        DashboardEvents.LEAD_DECIDED,
        DashboardEvents.LEAD_DECIDED,
    ]


def test_only_a_discipline_officer_may_be_assigned(district, world):
    lead = _lead(district, world)
    with pytest.raises(ValidationError):
        leads.lead_assign(actor=district.discipline, lead_id=lead.pk, officer_id=district.dept.pk)


@pytest.mark.parametrize(
    "role", ["street_zhenhai", "dept", "drc", "finance", "contractor", "admin"]
)
def test_every_other_role_is_kept_out_of_leads(client, district, world, role):
    lead = _lead(district, world)
    user = getattr(district, role)
    client.force_login(user)
    for url in [reverse("dashboards:leads"), reverse("dashboards:lead", args=[lead.pk])]:
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("dashboards:lead_note", args=[lead.pk]), {"text": "x"}).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        leads.lead_note_add(actor=user, lead_id=lead.pk, text="x")
    # and the lead's events never reach them in the project's history
    history = client.get(reverse("projects:detail", args=[lead.project_id]))
    if history.status_code == 200:
        assert "线索建立" not in history.content.decode()


def test_the_lead_verbs_are_for_discipline_officers_only():
    from core.events import verbs_only_for

    assert set(LEAD_VERBS) <= set(verbs_only_for("discipline"))


def test_leads_list_counts_and_export(client, district, world):
    lead = _lead(district, world)
    client.force_login(district.discipline)
    page = client.get(reverse("dashboards:leads"))
    assert page.status_code == 200 and lead.reference in page.content.decode()
    assert page.context["counts"]["preliminary"] == 1
    dashboard = client.get(reverse("dashboards:discipline")).content.decode()
    assert 'data-testid="lead-counts"' in dashboard
    export = client.get(reverse("dashboards:leads"), {"format": "xlsx"})
    sheet = load_workbook(BytesIO(export.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert lead.reference in values and "初核" in values
    detail = client.get(reverse("dashboards:lead", args=[lead.pk])).content.decode()
    assert lead.why in detail and lead.evidence[0][1] in detail
