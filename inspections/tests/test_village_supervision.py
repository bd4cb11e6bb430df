"""A 村民监督员 on their village's projects (docs/village-supervision.md): only their village,
observations with photos that may open a ledger item addressed to the responsible party, the
acceptance signature that the acceptance then requires and records, and no money shown."""

import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from accounts.services import village_create, village_supervisor_appoint
from approvals import services as approvals
from core.errors import ConflictError
from core.models import AuditEvent
from inspections.choices import ItemSource, ItemStatus
from inspections.events import VillageSupervisionEvents
from inspections.models import Acceptance, RectificationItem, VillageObservation
from inspections.services import (
    acceptance_record,
    acceptance_sign,
    item_close,
    item_submit,
    lab_test_record,
    village_observation_open_item,
    village_observation_record,
)
from inspections.tests.images import encode, scene
from projects import services as projects
from tests.funds_helpers import ACCOUNT, RESIDENTS, under_way


def photo(seed=3):
    return SimpleUploadedFile(f"v{seed}.jpg", encode(scene(seed)), content_type="image/jpeg")


def supervisor(d, village, username="vs_lin", name="林老师"):
    return village_supervisor_appoint(
        actor=d.street_zhenhai,
        village_id=village.pk,
        full_name=name,
        phone="13800000001",
        username=username,
    ).appointment.user


@pytest.fixture
def village_world(district):
    d = district
    project, contractor = under_way(d)
    mine = village_create(actor=d.street_zhenhai, name="文献社区")
    other = village_create(actor=d.street_zhenhai, name="凤山村")
    projects.project_village_set(actor=d.street_zhenhai, project_id=project.pk, village_id=mine.pk)
    return d, project, contractor, supervisor(d, mine), supervisor(d, other, "vs_chen", "陈书记")


def observe(user, project, **kwargs):
    return village_observation_record(
        actor=user,
        project_id=project.pk,
        client_key=str(uuid.uuid4()),
        text=kwargs.pop("text", "沟槽回填未分层压实"),
        **kwargs,
    )


def test_a_supervisor_sees_only_their_village(village_world, client):
    _d, project, _c, lin, chen = village_world
    client.force_login(lin)
    page = client.get(reverse("inspections:village")).content.decode()
    assert project.name in page
    assert client.get(reverse("inspections:village_project", args=[project.pk])).status_code == 200
    client.force_login(chen)  # a supervisor of another village of the same street
    assert project.name not in client.get(reverse("inspections:village")).content.decode()
    assert client.get(reverse("inspections:village_project", args=[project.pk])).status_code == 404
    with pytest.raises(Http404):
        observe(chen, project)
    # and the project pages of the platform stay closed to them
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404


def test_an_observation_opens_a_ledger_item_addressed_to_the_contractor(village_world, client):
    _d, project, contractor, lin, _chen = village_world
    observation = observe(lin, project, photos=[photo()], open_item=True)
    item = observation.ledger_item
    assert item.source == ItemSource.VILLAGE_SUPERVISOR
    assert item.responsible_organisation_id == project.contractor_id
    assert item.problem == "沟槽回填未分层压实" and item.opened_by == lin
    assert observation.photos.count() == 1
    event = AuditEvent.objects.get(verb=VillageSupervisionEvents.OBSERVATION_RECORDED)
    assert event.after["ledger_item"] == item.pk
    # the supervisor follows the item's progress on the phone
    item_submit(actor=contractor, item_id=item.pk, evidence="已分层回填并压实")
    client.force_login(lin)
    page = client.get(reverse("inspections:village_project", args=[project.pk])).content.decode()
    assert "已分层回填并压实" in page and str(ItemStatus.SUBMITTED.label) in page


def test_the_same_observation_sent_twice_is_stored_once(village_world):
    _d, project, _c, lin, _chen = village_world
    key = str(uuid.uuid4())
    first = village_observation_record(actor=lin, project_id=project.pk, client_key=key, text="x")
    again = village_observation_record(actor=lin, project_id=project.pk, client_key=key, text="x")
    assert again.pk == first.pk and again.replayed
    assert VillageObservation.objects.count() == 1


def test_an_earlier_observation_becomes_a_ledger_item_once(village_world):
    _d, project, _c, lin, chen = village_world
    observation = observe(lin, project)
    assert observation.ledger_item is None
    village_observation_open_item(actor=lin, observation_id=observation.pk)
    village_observation_open_item(actor=lin, observation_id=observation.pk)
    assert RectificationItem.objects.filter(source=ItemSource.VILLAGE_SUPERVISOR).count() == 1
    with pytest.raises(Http404):
        village_observation_open_item(actor=chen, observation_id=observation.pk)


def _completed(d, project, contractor):
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    lab_test_record(actor=d.lab, project_id=project.pk, pass_rate="100", report_no="JC-1")


def test_acceptance_needs_and_records_the_supervisors_signature(village_world):
    d, project, contractor, lin, chen = village_world
    _completed(d, project, contractor)
    with pytest.raises(ConflictError, match="村民监督员"):
        acceptance_record(
            actor=d.street_zhenhai,
            project_id=project.pk,
            participants=RESIDENTS,
            conclusion="同意验收",
        )
    with pytest.raises(Http404):
        acceptance_sign(actor=chen, project_id=project.pk, opinion="同意")
    signature = acceptance_sign(actor=lin, project_id=project.pk, opinion="路面平整，同意验收")
    assert acceptance_sign(actor=lin, project_id=project.pk, opinion="").pk == signature.pk
    acceptance_record(
        actor=d.street_zhenhai,
        project_id=project.pk,
        participants=[{"name": "王工", "organisation": "正诚监理", "role": "supervisor"}],
        conclusion="同意验收",
    )
    acceptance = Acceptance.objects.get(project=project)
    signer = next(p for p in acceptance.participants if p.get("village_supervisor"))
    assert signer["name"] == "林老师" and signer["role"] == "resident_representative"
    assert signer["signed_at"]
    assert list(acceptance.signatures.all()) == [signature]


def test_a_supervisor_does_not_sign_over_an_open_item(village_world):
    d, project, contractor, lin, _chen = village_world
    observation = observe(lin, project, open_item=True)
    _completed(d, project, contractor)
    with pytest.raises(ConflictError, match="未销号"):
        acceptance_sign(actor=lin, project_id=project.pk, opinion="同意")
    item_submit(actor=contractor, item_id=observation.ledger_item_id, evidence="已整改")
    item_close(actor=d.street_zhenhai, item_id=observation.ledger_item_id)
    acceptance_sign(actor=lin, project_id=project.pk, opinion="同意")


def test_without_a_village_supervisor_the_residents_are_named_in_free_text(district):
    d = district
    project, contractor = under_way(d)
    _completed(d, project, contractor)
    acceptance_record(
        actor=d.street_zhenhai, project_id=project.pk, participants=RESIDENTS, conclusion="同意"
    )
    assert Acceptance.objects.filter(project=project).exists()


def test_the_supervisors_pages_show_no_money(village_world, client):
    _d, project, contractor, lin, _chen = village_world
    projects.payment_request(
        actor=contractor,
        project_id=project.pk,
        stage="progress",
        amount="12345.67",
        payee_account=ACCOUNT,
    )
    client.force_login(lin)
    for url in (
        reverse("inspections:village"),
        reverse("inspections:village_project", args=[project.pk]),
    ):
        page = client.get(url).content.decode()
        for figure in ("12345.67", "12,345.67", "100000", "100,000", "元"):
            assert figure not in page, (url, figure)
    assert project.contract.amount == Decimal("100000")
    # the start page is where a supervisor lands
    assert client.get(reverse("home"))["Location"] == reverse("inspections:village")


def test_start_page_queries_do_not_grow(village_world, client, django_assert_num_queries):
    d, project, _c, lin, _chen = village_world
    observe(lin, project, open_item=True)
    client.force_login(lin)
    client.get(reverse("inspections:village"))
    # the session, the user, the village, the rows in one annotated query, the navigation's
    with django_assert_num_queries(6):
        client.get(reverse("inspections:village"))
    for n in range(3):  # more projects in the village: the same count
        more, _ = under_way(d)
        projects.project_village_set(
            actor=d.street_zhenhai, project_id=more.pk, village_id=lin.organisation_id
        )
        observe(lin, more, text=f"问题{n}", open_item=True)
    with django_assert_num_queries(6):
        page = client.get(reverse("inspections:village")).content.decode()
    assert page.count('data-testid="village-project"') == 4
