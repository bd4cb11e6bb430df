"""Villages (村/社区) under a street office and the 村民监督员 it appoints: one or two per village,
a third refused, retiring one recorded (docs/village-supervision.md)."""

import pytest
from django.http import Http404
from django.urls import reverse

from accounts.choices import OrganisationKind, Role
from accounts.events import VillageEvents
from accounts.models import Organisation, User, VillageSupervisor
from accounts.services import (
    village_create,
    village_supervisor_appoint,
    village_supervisor_retire,
)
from accounts.tests.factories import district
from core.errors import ConflictError
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def appoint(d, village, name, username, phone="13800000001"):
    return village_supervisor_appoint(
        actor=d.street_zhenhai,
        village_id=village.pk,
        full_name=name,
        phone=phone,
        username=username,
    )


def test_a_street_office_adds_a_village_once():
    d = district()
    village = village_create(actor=d.street_zhenhai, name="文献社区")
    again = village_create(actor=d.street_zhenhai, name="文献社区")
    assert again.pk == village.pk
    assert village.kind == OrganisationKind.VILLAGE and village.parent == d.zhenhai
    assert AuditEvent.objects.filter(verb=VillageEvents.VILLAGE_CREATED).count() == 1
    # Another street's village of the same name is told apart, not merged.
    with pytest.raises(ConflictError):
        village_create(actor=d.street_gongchen, name="文献社区")


def test_two_supervisors_per_village_and_a_third_is_refused_with_a_clear_message():
    d = district()
    village = village_create(actor=d.street_zhenhai, name="文献社区")
    first = appoint(d, village, "林老师", "vs_lin")
    appoint(d, village, "陈书记", "vs_chen", phone="13800000002")
    assert first.password and User.objects.get(username="vs_lin").check_password(first.password)
    assert User.objects.get(username="vs_lin").role == Role.VILLAGE_SUPERVISOR
    with pytest.raises(ConflictError) as refused:
        appoint(d, village, "黄老师", "vs_huang", phone="13800000003")
    assert "最多 2 名" in refused.value.message and "卸任" in refused.value.message
    assert not User.objects.filter(username="vs_huang").exists()


def test_the_same_appointment_sent_twice_answers_like_the_first():
    d = district()
    village = village_create(actor=d.street_zhenhai, name="文献社区")
    first = appoint(d, village, "林老师", "vs_lin")
    second = appoint(d, village, "林老师", "vs_lin")
    assert second.appointment.pk == first.appointment.pk and second.password == ""
    assert AuditEvent.objects.filter(verb=VillageEvents.SUPERVISOR_APPOINTED).count() == 1


def test_retiring_a_supervisor_frees_the_place_and_ends_the_account():
    d = district()
    village = village_create(actor=d.street_zhenhai, name="文献社区")
    lin = appoint(d, village, "林老师", "vs_lin").appointment
    appoint(d, village, "陈书记", "vs_chen")
    village_supervisor_retire(actor=d.street_zhenhai, appointment_id=lin.pk, reason="年事已高")
    lin.refresh_from_db()
    assert lin.ended_at is not None and lin.end_reason == "年事已高"
    assert not User.objects.get(username="vs_lin").is_active
    appoint(d, village, "黄老师", "vs_huang")  # the replacement
    assert VillageSupervisor.objects.filter(village=village, ended_at__isnull=True).count() == 2
    event = AuditEvent.objects.get(verb=VillageEvents.SUPERVISOR_RETIRED)
    assert event.after["end_reason"] == "年事已高"
    assert event.after["active_supervisors"] == ["陈书记"]


def test_another_street_cannot_appoint_or_retire_in_my_village():
    d = district()
    village = village_create(actor=d.street_zhenhai, name="文献社区")
    lin = appoint(d, village, "林老师", "vs_lin").appointment
    with pytest.raises(Http404):
        village_supervisor_appoint(
            actor=d.street_gongchen,
            village_id=village.pk,
            full_name="某人",
            phone="13800000009",
            username="vs_x",
        )
    with pytest.raises(Http404):
        village_supervisor_retire(actor=d.street_gongchen, appointment_id=lin.pk, reason="x")


def test_the_page_shows_the_first_password_once_and_refuses_a_third(client):
    d = district()
    village = village_create(actor=d.street_zhenhai, name="文献社区")
    client.force_login(d.street_zhenhai)
    url = reverse("accounts:village_appoint", args=[village.pk])
    body = {"full_name": "林老师", "phone": "13800000001", "username": "vs_lin"}
    response = client.post(url, body)
    assert response.status_code == 200
    assert 'data-testid="password"' in response.content.decode()
    client.post(url, {**body, "full_name": "陈书记", "username": "vs_chen"})
    response = client.post(
        url, {**body, "full_name": "黄老师", "username": "vs_huang"}, follow=True
    )
    assert "最多 2 名" in response.content.decode()
    page = client.get(reverse("accounts:villages")).content.decode()
    assert "林老师" in page and "陈书记" in page and "黄老师" not in page
    assert Organisation.objects.filter(kind=OrganisationKind.VILLAGE).count() == 1
