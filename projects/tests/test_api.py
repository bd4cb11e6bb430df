"""The project API: token auth, the error shape, object-level access, flat query counts."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD
from core.models import AuditEvent
from projects.choices import ProjectStatus
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _new(**overrides):
    return {
        "name": "梅园路排水沟清淤",
        "address": "荔城区镇海街道梅园路",
        "category": "drainage",
        "budget_amount": "38000",
        "planned_start": "2026-12-14",
        "planned_end": "2027-02-26",
        **overrides,
    }


def test_token_login_and_token_auth(api, district):
    response = api.post(
        "/api/v1/auth/token/", {"username": "street_zhenhai", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/projects/").status_code == 200


def test_bad_token_login_is_400_with_the_error_shape(api, district):
    response = api.post(
        "/api/v1/auth/token/", {"username": "street_zhenhai", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}


def test_anonymous_api_is_refused(api, district):
    for url in ("/api/v1/projects/", "/api/v1/projects/1/", "/api/schema/"):
        response = api.get(url)
        assert response.status_code in (401, 403), url
    assert set(api.get("/api/v1/projects/").json()) == {"message", "extra"}


@pytest.mark.parametrize(
    ("amount", "tier"),
    [
        ("49999.99", "simple"),
        ("50000.00", "general"),
        ("499999.99", "general"),
        ("500000.00", "major"),
        (38000, "simple"),
        (120000.5, "general"),
    ],
)
def test_create_derives_the_tier(api, district, amount, tier):
    response = _as(api, district.street_zhenhai).post(
        "/api/v1/projects/", _new(budget_amount=amount), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tier"] == tier
    assert body["status"] == "draft"
    assert body["street"] == district.zhenhai.pk
    assert Decimal(body["budget_amount"]) == Decimal(str(amount))
    assert isinstance(body["budget_amount"], str)
    assert set(body["available_transitions"]) == (
        {"file", "cancel"} if tier == "simple" else {"submit", "cancel"}
    )


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "大于零"),
        ("-5", "大于零"),
        ("abc", "数字"),
        ("1e12", "过大"),
        ("1000000000000", "过大"),
        ("100.123", "两位小数"),
        ("", "金额"),
    ],
)
def test_bad_amounts_are_400_in_chinese_and_nothing_is_saved(api, district, amount, words):
    response = _as(api, district.street_zhenhai).post(
        "/api/v1/projects/", _new(budget_amount=amount), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert words in body["message"]
    assert "budget_amount" in body["extra"]["fields"]
    assert Project.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_english_clients_get_english_messages_for_django_errors(api, district):
    response = _as(api, district.street_zhenhai).post(
        "/api/v1/projects/", _new(category="castle"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "valid choice" in response.json()["message"]


def test_mass_assignment_of_protected_fields_has_no_effect(api, district):
    response = _as(api, district.street_zhenhai).post(
        "/api/v1/projects/",
        _new(status="approved", tier="major", street=district.gongchen.pk, code="HACK"),
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["tier"], body["street"]) == (
        "draft",
        "simple",
        district.zhenhai.pk,
    )
    assert body["code"] != "HACK"


def test_cross_street_objects_are_404_and_never_listed(api, district):
    theirs = make_project(district.street_gongchen, name="拱辰的项目")
    client = _as(api, district.street_zhenhai)
    make_project(district.street_zhenhai, name="镇海的项目")
    assert client.get(f"/api/v1/projects/{theirs.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/projects/{theirs.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/projects/{theirs.pk}/transitions/file/", {}, format="json"
        ).status_code
        == 404
    )
    names = [p["name"] for p in client.get("/api/v1/projects/").json()["results"]]
    assert names == ["镇海的项目"]
    theirs.refresh_from_db()
    assert theirs.status == ProjectStatus.DRAFT and theirs.name == "拱辰的项目"


def test_transition_endpoint_200_403_409(api, district):
    simple = make_project(district.street_zhenhai, budget_amount=Decimal("38000"))
    general = make_project(
        district.street_zhenhai, budget_amount=Decimal("120000"), transitions=("submit",)
    )
    client = _as(api, district.street_zhenhai)
    response = client.post(
        f"/api/v1/projects/{simple.pk}/transitions/file/", {"comment": "街道备案"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["available_transitions"] == []
    # not from this state
    response = client.post(f"/api/v1/projects/{simple.pk}/transitions/submit/", {}, format="json")
    assert response.status_code == 409
    assert set(response.json()) == {"message", "extra"}
    # a department sees the submitted project but may not cancel a street's filing
    response = _as(APIClient(), district.dept).post(
        f"/api/v1/projects/{general.pk}/transitions/cancel/", {}, format="json"
    )
    assert response.status_code == 409
    draft = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    response = _as(APIClient(), district.discipline).post(
        f"/api/v1/projects/{draft.pk}/transitions/submit/", {}, format="json"
    )
    assert response.status_code == 403
    assert set(response.json()) == {"message", "extra"}


def test_patch_updates_a_draft(api, district):
    project = make_project(district.street_zhenhai)
    response = _as(api, district.street_zhenhai).patch(
        f"/api/v1/projects/{project.pk}/", {"budget_amount": "500000.00"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["tier"] == "major"


def test_patch_with_a_bad_amount_changes_nothing(api, district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("38000"))
    response = _as(api, district.street_zhenhai).patch(
        f"/api/v1/projects/{project.pk}/", {"budget_amount": "-1", "name": "新名"}, format="json"
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert (project.budget_amount, project.name) == (Decimal("38000.00"), "文献路背街小巷路面修复")


@pytest.mark.parametrize("rows", [1, 12])
def test_list_query_count_does_not_grow(api, district, django_assert_num_queries, rows):
    for _ in range(rows):
        make_project(district.street_zhenhai)
    client = _as(api, district.street_zhenhai)
    # count + page (projects with street and filer joined)
    with django_assert_num_queries(2):
        response = client.get("/api/v1/projects/?tier=simple&q=文献")
    assert response.json()["count"] == rows


def test_detail_query_count(api, district, django_assert_num_queries):
    project = make_project(district.street_zhenhai)
    client = _as(api, district.street_zhenhai)
    with django_assert_num_queries(1):
        assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200


def test_schema_and_docs_for_signed_in_users(api, district):
    client = _as(api, district.street_zhenhai)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/projects/{id}/transitions/{name}/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_a_project_names_its_design_unit_through_the_api_too(api, district):
    """The filing's 设计单位 (docs/credit.md) is set and read through the API as on the page; any
    other kind of organisation is refused with the field named."""
    from accounts.choices import OrganisationKind
    from accounts.tests.factories import OrganisationFactory

    design = OrganisationFactory(name="莆田市市政设计院", kind=OrganisationKind.DESIGN)
    client = _as(api, district.street_zhenhai)
    created = client.post("/api/v1/projects/", _new(design_unit=design.pk), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["design_unit"], body["design_unit_name"]) == (design.pk, "莆田市市政设计院")
    listed = client.get("/api/v1/projects/").json()["results"]
    assert {p["design_unit_name"] for p in listed if p["id"] == body["id"]} == {"莆田市市政设计院"}
    refused = client.post("/api/v1/projects/", _new(design_unit=district.builder.pk), format="json")
    assert refused.status_code == 400
    assert "design_unit" in refused.json()["extra"]["fields"]
