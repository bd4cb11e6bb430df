"""The approval API: same rules and messages as the pages, flat query counts."""

import hashlib
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import services
from approvals.models import Flag
from approvals.tests.helpers import approved_general, contract_data, contracted_general, reveal_both
from core.errors import ConflictError
from projects.tests.factories import make_project, ready_to_start

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_transition_with_a_reviewed_budget_and_the_error_shapes(district):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("420000"))
    url = f"/api/v1/projects/{project.pk}/transitions/"
    assert _api(district.street_zhenhai).post(url + "submit/", {}).status_code == 200
    assert _api(district.dept).post(url + "dept_approve/", {}).status_code == 200
    response = _api(district.dept).post(url + "expert_approve/", {})
    assert response.status_code == 403
    assert set(response.json()) == {"message", "extra"}
    response = _api(district.expert).post(
        url + "expert_approve/", {"reviewed_budget": "abc"}, format="json"
    )
    assert response.status_code == 400
    assert "reviewed_budget" in response.json()["extra"]["fields"]
    response = _api(district.expert).post(
        url + "expert_approve/", {"reviewed_budget": "510000"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["tier"], body["status"]) == ("major", "expert_approved")
    assert set(
        _api(district.finance)
        .get(f"/api/v1/projects/{project.pk}/")
        .json()["available_transitions"]
    ) == {"fiscal_approve", "return_for_revision", "reject"}
    response = _api(district.drc).post(url + "drc_file/", {})
    assert response.status_code == 409
    assert "财政评审" in response.json()["message"]
    assert _api(district.drc).post(url + "nonsense/", {}).status_code == 404


def test_return_without_reasons_is_400(district):
    project = make_project(
        district.street_zhenhai, budget_amount=Decimal("120000"), transitions=("submit",)
    )
    response = _api(district.dept).post(
        f"/api/v1/projects/{project.pk}/transitions/return_for_revision/",
        {"comment": ""},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "请填写理由。"


def test_lottery_through_the_api(district):
    project = approved_general(district)
    base = f"/api/v1/projects/{project.pk}/lottery/"
    response = _api(district.dept).post(
        base + "shortlist/",
        {"contractors": [district.builder.pk, district.builder_b.pk]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["seed"] is None and len(response.json()["seed_hash"]) == 64
    assert _api(district.street_zhenhai).post(base + "draw/").status_code == 403
    assert _api(district.dept).post(base + "draw/").status_code == 409  # nobody revealed yet
    for user, secret in ((district.dept, "甲"), (district.discipline, "乙")):
        commitment = hashlib.sha256(secret.encode()).hexdigest()
        response = _api(user).post(base + "commit/", {"commitment": commitment}, format="json")
        assert response.status_code == 200
    for user, secret in ((district.dept, "甲"), (district.discipline, "乙")):
        response = _api(user).post(base + "reveal/", {"secret": secret}, format="json")
        assert response.status_code == 200
    response = _api(district.dept).post(base + "draw/")
    assert response.status_code == 200
    assert response.json()["seed"] and response.json()["winner"]
    assert response.json()["draw_seed"] == hashlib.sha256("甲|乙".encode()).hexdigest()
    assert _api(district.dept).post(base + "draw/").status_code == 409


def test_contract_refusal_names_every_missing_item(district):
    project = approved_general(district)
    services.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    reveal_both(district, project.pk)
    services.lottery_draw(actor=district.dept, project_id=project.pk)
    response = _api(district.street_zhenhai).post(
        f"/api/v1/projects/{project.pk}/contract/",
        {"amount": "118000", "start_date": "2027-01-04", "end_date": "2027-03-31"},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert set(fields) == {
        "supervision_unit",
        "project_manager",
        "safety_officer",
        "quality_inspector",
        "site_supervisor",
    }
    assert "专职安全员" in fields["safety_officer"][0]


def test_change_escalation_and_supplementary_approvals_through_the_api(district):
    project = contracted_general(district, amount="470000", contract_amount="480000")
    response = _api(district.street_zhenhai).post(
        f"/api/v1/projects/{project.pk}/changes/",
        {"amount_delta": "40000", "reason": "管线迁改"},
        format="json",
    )
    assert response.status_code == 201
    change_id = response.json()["id"]
    response = _api(district.drc).post(
        f"/api/v1/changes/{change_id}/decision/", {"approve": True}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["tier"], response.json()["escalated_to"]) == ("major", "major")
    start = f"/api/v1/projects/{project.pk}/transitions/start_work/"
    assert _api(district.street_zhenhai).post(start).status_code == 409
    escalate = f"/api/v1/projects/{project.pk}/escalation/approve/"
    assert _api(district.drc).post(escalate).status_code == 403
    assert _api(district.finance).post(escalate).status_code == 200
    assert _api(district.drc).post(escalate).status_code == 200
    # A lottery award cannot carry 重大类 works: stopped until a public tender and its contract
    # (issue #14 point 1), then it can start.
    refused = _api(district.street_zhenhai).post(start)
    assert refused.status_code == 409 and "公开招标" in refused.json()["message"]
    tender = {
        "notice_date": "2026-12-01",
        "bids": [
            {"bidder": district.builder.pk, "amount": "515000"},
            {"bidder": district.builder_b.pk, "amount": "519000"},
            {"bidder": district.builder_c.pk, "amount": "530000"},
        ],
        "winner": district.builder.pk,
        "reason": "评标第一",
    }
    url = f"/api/v1/projects/{project.pk}/"
    assert (
        _api(district.street_zhenhai).post(url + "tender/", tender, format="json").status_code
        == 200
    )
    contract = {
        k: (v.isoformat() if hasattr(v, "isoformat") else str(v))
        for k, v in contract_data(district, amount="515000").items()
    }
    response = _api(district.street_zhenhai).post(url + "contract/", contract, format="json")
    assert response.status_code == 201, response.json()
    ready_to_start(project)
    assert _api(district.street_zhenhai).post(start).json()["status"] == "in_progress"


def test_flags_api_is_for_discipline_and_reviewers(district):
    first = make_project(district.street_zhenhai, budget_amount=Decimal("30000"))
    services.project_transition(actor=district.street_zhenhai, project_id=first.pk, name="file")
    second = make_project(district.street_zhenhai, budget_amount=Decimal("30000"))
    _api(district.street_zhenhai).post(f"/api/v1/projects/{second.pk}/transitions/file/")
    assert _api(district.discipline).get("/api/v1/flags/").json()["count"] == 2
    assert _api(district.contractor).get("/api/v1/flags/").json()["count"] == 0


@pytest.mark.parametrize("changes", [0, 6])
def test_project_page_at_contract_stage_has_flat_queries(
    client, district, django_assert_num_queries, changes
):
    project = contracted_general(district)
    for _ in range(changes):
        services.change_request(
            actor=district.street_zhenhai,
            project_id=project.pk,
            amount_delta="100",
            reason="零星增加",
        )
    client.force_login(district.street_zhenhai)
    # session, user, project (+contract and staff), lottery and its parties, changes, flags, the
    # funds panel
    # (committed and paid totals, payments, split-payment scan), the residents' panel (rating
    # policy, summary, reviews), the start conditions (policy, documents), extensions, attachments,
    # timeline, session refresh (3), the shortlisted companies on the red list
    with django_assert_num_queries(23):
        response = client.get(reverse("projects:detail", args=[project.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('data-action="change-approve"') == 0


@pytest.mark.parametrize("flags", [1, 5])
def test_flag_list_query_count_is_flat(client, district, django_assert_num_queries, flags):
    for i in range(flags):
        for suffix in "甲乙":
            project = make_project(
                district.street_zhenhai,
                budget_amount=Decimal("30000"),
                name=f"第{i}号路面修复{suffix}",
            )
            try:
                services.project_transition(
                    actor=district.street_zhenhai, project_id=project.pk, name="file"
                )
            except ConflictError:  # a refused filing is what flags it
                pass
    assert Flag.objects.count() >= flags
    client.force_login(district.discipline)
    # session, user, count, page of flags with their projects, session refresh (3)
    with django_assert_num_queries(7):
        assert client.get(reverse("approvals:flags")).status_code == 200
