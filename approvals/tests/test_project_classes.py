"""Project classes (issue #14 point 3, in part; docs/rules.md §2): each project has a class,
chosen at filing and correctable by the 住建局 at review; the class's procurement applies when
stricter than the tier's — an A-class (重点民生) project is publicly tendered whatever its
amount."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from approvals import services
from approvals.tests.helpers import approved_general
from core.errors import ConflictError
from core.models import AuditEvent
from projects.choices import ProcurementMethod, ProjectClass, ProjectStatus, Tier
from projects.models import Project
from projects.services import project_class_set
from projects.tests.factories import make_project, project_form_data

pytestmark = pytest.mark.django_db

BIDS = ("43000", "44100", "44900")


def _bids(district):
    companies = (district.builder, district.builder_b, district.builder_c)
    return [(c.pk, a) for c, a in zip(companies, BIDS, strict=True)]


def test_an_a_class_project_under_50000_still_needs_a_tender(client, district):
    project = make_project(
        district.street_zhenhai,
        budget_amount=Decimal("45000"),
        project_class=ProjectClass.A,
        transitions=("file",),
    )
    assert (project.tier, project.status) == (Tier.SIMPLE, ProjectStatus.APPROVED)
    with pytest.raises(ConflictError, match="公开招标"):
        services.direct_award(
            actor=district.street_zhenhai,
            project_id=project.pk,
            contractor_id=district.builder.pk,
            reason="就近委托",
        )
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-action="tender"' in page and 'data-action="direct-award"' not in page
    assert "采购方式：公开招标" in page
    services.tender_record(
        actor=district.street_zhenhai,
        project_id=project.pk,
        notice_date="2026-12-01",
        bids=_bids(district),
        winner_id=district.builder.pk,
        reason="最低价",
    )
    project.refresh_from_db()
    assert project.procurement_method == ProcurementMethod.OPEN
    assert project.contractor_id == district.builder.pk


def test_an_a_class_general_project_takes_no_lottery(district):
    project = approved_general(district, project_class=ProjectClass.A)
    with pytest.raises(ConflictError, match="公开招标"):
        services.lottery_shortlist(
            actor=district.dept,
            project_id=project.pk,
            contractor_ids=[district.builder.pk, district.builder_b.pk],
        )
    # one of the same amount that its class asks nothing more of keeps its tier's lottery
    other = approved_general(district, project_class="", name="另一条背街小巷")
    services.lottery_shortlist(
        actor=district.dept,
        project_id=other.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )


def test_the_dept_corrects_the_class_at_review_with_a_reason(client, district):
    project = make_project(
        district.street_zhenhai, budget_amount=Decimal("120000"), project_class=ProjectClass.B
    )
    with pytest.raises((ConflictError, Http404)):  # a draft is the street office's own
        project_class_set(
            actor=district.dept, project_id=project.pk, project_class="A", reason="学校周边"
        )
    services.project_transition(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    with pytest.raises(PermissionDenied):
        project_class_set(
            actor=district.street_zhenhai, project_id=project.pk, project_class="C", reason="x"
        )
    client.force_login(district.dept)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-testid="set-class"' in page
    events = AuditEvent.objects.count()
    client.post(
        reverse("projects:set_class", args=[project.pk]),
        {"project_class": "A", "reason": "学校门前道路，属重点民生"},
    )
    assert Project.objects.get(pk=project.pk).project_class == ProjectClass.A
    assert AuditEvent.objects.count() == events + 1
    # no reason, nothing changes
    client.post(reverse("projects:set_class", args=[project.pk]), {"project_class": "C"})
    assert Project.objects.get(pk=project.pk).project_class == ProjectClass.A


def test_the_filing_form_asks_for_the_class(client, district):
    client.force_login(district.street_zhenhai)
    data = project_form_data()
    del data["project_class"]
    before = Project.objects.count()
    page = client.post(reverse("projects:create"), data)
    assert page.status_code == 200 and Project.objects.count() == before
    assert "重点民生" in page.content.decode()  # the guidance beside the choice
