"""Filing, editing and the transition matrix, through the services as users would."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from core.errors import ConflictError
from core.models import AuditEvent
from projects.choices import ProjectStatus, Tier
from projects.events import ProjectEvents
from projects.models import Project, ProjectAttachment
from projects.services import project_create, project_update
from projects.services.filing import _project_transition as project_transition
from projects.tests.factories import make_project, project_data

pytestmark = pytest.mark.django_db


def _events(project) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="projects.project", object_id=str(project.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_create_files_a_draft_for_the_actors_street_with_one_audit_event(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("38000"))
    assert project.street == district.zhenhai
    assert project.status == ProjectStatus.DRAFT
    assert project.code.startswith("LC-") and project.code.endswith(f"{project.pk:06d}")
    assert _events(project) == ["project.created"]
    event = AuditEvent.objects.get(verb=ProjectEvents.CREATED)
    assert event.after["budget_amount"] == "38000.00"
    assert event.after["tier"] == Tier.SIMPLE
    assert event.actor == district.street_zhenhai
    assert event.organisation_name == "镇海街道"


@pytest.mark.parametrize(
    "role_user",
    ["dept", "drc", "finance", "contractor", "supervisor", "lab", "discipline", "admin"],
)
def test_only_street_staff_file_projects(district, role_user):
    with pytest.raises(PermissionDenied):
        project_create(actor=getattr(district, role_user), data=project_data())
    assert Project.objects.count() == 0


def test_protected_fields_in_the_data_are_ignored(district):
    project = project_create(
        actor=district.street_zhenhai,
        data={
            **project_data(budget_amount=Decimal("38000")),
            "status": ProjectStatus.APPROVED,
            "tier": Tier.MAJOR,
            "street_id": district.gongchen.pk,
            "created_by_id": district.street_gongchen.pk,
        },
    )
    project.refresh_from_db()
    assert (project.status, project.tier, project.street_id, project.created_by_id) == (
        ProjectStatus.DRAFT,
        Tier.SIMPLE,
        district.zhenhai.pk,
        district.street_zhenhai.pk,
    )


def test_a_bad_attachment_refuses_the_whole_filing(district):
    evil = SimpleUploadedFile("预算.pdf", b"MZ\x90\x00 not a pdf at all")
    with pytest.raises(ValidationError) as caught:
        project_create(actor=district.street_zhenhai, data=project_data(), attachments=[evil])
    assert "内容与其扩展名不符" in caught.value.messages[0]
    assert Project.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert ProjectAttachment.objects.count() == 0


def test_attachments_are_stored_with_their_hash(district):
    pdf = SimpleUploadedFile("图纸.pdf", b"%PDF-1.7\n%test\n")
    project = project_create(actor=district.street_zhenhai, data=project_data(), attachments=[pdf])
    attachment = project.attachments.get()
    assert attachment.original_name == "图纸.pdf"
    assert len(attachment.sha256) == 64
    assert AuditEvent.objects.get().after["attachments"] == ["图纸.pdf"]


def test_editing_a_draft_rederives_the_tier_and_records_before_and_after(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("38000"))
    project_update(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data={"budget_amount": Decimal("120000.00"), "tier": Tier.SIMPLE},
    )
    project.refresh_from_db()
    assert project.tier == Tier.GENERAL
    event = AuditEvent.objects.filter(verb=ProjectEvents.UPDATED).get()
    assert event.before == {"budget_amount": "38000.00", "tier": "simple"}
    assert event.after == {"budget_amount": "120000.00", "tier": "general"}


def test_another_street_cannot_edit_and_gets_404(district):
    project = make_project(district.street_zhenhai)
    with pytest.raises(Http404):
        project_update(actor=district.street_gongchen, project_id=project.pk, data={"name": "改名"})
    project.refresh_from_db()
    assert project.name != "改名"


def test_a_filed_project_can_no_longer_be_edited(district):
    project = make_project(district.street_zhenhai, transitions=("file",))
    with pytest.raises(ConflictError):
        project_update(actor=district.street_zhenhai, project_id=project.pk, data={"name": "改名"})


def test_an_unknown_transition_is_404(district):
    project = make_project(district.street_zhenhai)
    with pytest.raises(Http404):
        project_transition(actor=district.street_zhenhai, project_id=project.pk, name="approve_all")


def test_filing_a_general_project_says_why_not(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    with pytest.raises(ConflictError) as caught:
        project_transition(actor=district.street_zhenhai, project_id=project.pk, name="file")
    assert "简易类" in caught.value.message
