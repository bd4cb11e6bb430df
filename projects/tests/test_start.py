"""开工条件 (issue #14 point 5, docs/rules.md §3): start_work names the documents the policy asks
of the project's amount and kind, and passes once they are on file; the policy is
effective-dated; only the street office and the contractor file them, before the start."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from approvals import services as approvals
from approvals.tests.helpers import contracted_general
from core.errors import ConflictError
from core.models import AuditEvent
from projects.choices import Category, ProjectStatus, StartItem
from projects.models import Project, StartPolicy
from projects.services import start_document_record

pytestmark = pytest.mark.django_db


def _pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 scan", "application/pdf")


def _start(district, project):
    return approvals.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="start_work"
    )


def test_start_work_names_what_is_missing_then_passes(client, district):
    project = contracted_general(district, amount="380000", contract_amount="376000")
    Project.objects.filter(pk=project.pk).update(category=Category.DRAINAGE)
    project.refresh_from_db()
    assert project.start_missing() == ["permit", "eia", "wage", "dust", "safety"]
    with pytest.raises(ConflictError) as caught:
        _start(district, project)
    for item in StartItem:
        assert str(item.label) in caught.value.message

    # the page lists them and takes a document
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-testid="start-conditions"' in page and "缺 5 项" in page
    events = AuditEvent.objects.count()
    client.post(
        reverse("projects:start_documents", args=[project.pk]),
        {"item": "permit", "file": _pdf("施工许可证.pdf"), "reference": "350304202612010101"},
    )
    assert AuditEvent.objects.count() == events + 1
    with pytest.raises(ConflictError) as caught:
        _start(district, project)
    assert str(StartItem.PERMIT.label) not in caught.value.message
    assert str(StartItem.DUST.label) in caught.value.message

    # the contractor files the rest; a second file for an item replaces the first
    for item in ("eia", "wage", "dust", "safety", "safety"):
        start_document_record(
            actor=district.street_zhenhai, project_id=project.pk, item=item, upload=_pdf()
        )
    assert project.start_documents.count() == 5
    assert _start(district, project).status == ProjectStatus.IN_PROGRESS
    with pytest.raises(ConflictError):  # after the start: nothing more to file here
        start_document_record(
            actor=district.street_zhenhai, project_id=project.pk, item="permit", upload=_pdf()
        )


def test_small_works_of_another_kind_need_less_and_the_policy_is_effective_dated(district):
    project = contracted_general(district, amount="60000", contract_amount="58000")
    Project.objects.filter(pk=project.pk).update(category=Category.BUILDING_REPAIR)
    project.refresh_from_db()
    assert project.start_missing() == ["wage", "safety"]
    StartPolicy.objects.create(
        effective_from=timezone.localdate() + timedelta(days=1),
        permit_from=Decimal("50000"),
        safety_briefing_required=False,
    )
    assert Project.objects.get(pk=project.pk).start_missing() == ["wage", "safety"]  # not yet
    StartPolicy.objects.filter(effective_from__gt=date(2020, 1, 1)).update(
        effective_from=timezone.localdate()
    )
    assert Project.objects.get(pk=project.pk).start_missing() == ["permit", "wage"]


def test_only_the_street_office_and_the_contractor_file_them(district):
    project = contracted_general(district)
    for actor in (district.lab, district.dept, district.street_gongchen):
        with pytest.raises((PermissionDenied, Http404)):
            start_document_record(actor=actor, project_id=project.pk, item="wage", upload=_pdf())
    with pytest.raises(Exception, match="开工条件"):
        start_document_record(
            actor=district.street_zhenhai, project_id=project.pk, item="bogus", upload=_pdf()
        )
    assert project.start_documents.count() == 0
