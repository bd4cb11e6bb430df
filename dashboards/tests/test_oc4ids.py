"""Open data: the OC4IDS export validates against the project schema (0.9.5, read from disk,
no internet), carries the mapping of docs/rules.md §11 and nothing that is not public."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from approvals import services as approvals
from dashboards.oc4ids import ID_PREFIX
from inspections.services import spot_check_record
from projects.tests.factories import apart, make_project

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(settings.BASE_DIR) / "dashboards" / "oc4ids_schema" / "project-schema-0.9.5.json"


def _offline(uri: str):
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs field; every $ref must resolve inside the schema file


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    resource = Resource.from_contents(schema)
    registry = Registry(retrieve=_offline).with_resource(schema["id"], resource)
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, registry=registry, format_checker=FormatChecker())


def _errors(validator, project) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(project)
    ]


def _enrich(district, world):
    """A spot check and an approved design change, so documents and modifications appear."""
    spot_check_record(
        actor=district.expert,
        project_id=world.over.pk,
        items=[("面层压实度", True, ""), ("井周沉降", True, "")],
    )
    change = approvals.change_request(
        actor=district.street_zhenhai,
        project_id=world.over.pk,
        amount_delta="5000",
        reason="增加排水沟盖板",
    )
    approvals.change_decide(actor=district.drc, change_id=change.pk, approve=True)


def test_every_project_in_the_package_validates(client, district, world, validator):
    _enrich(district, world)
    draft = make_project(district.street_zhenhai, name="草稿项目不公开")
    response = client.get(reverse("api-open-oc4ids"))  # public: no log-in
    assert response.status_code == 200
    package = response.json()
    assert package["version"] == "0.9"
    ids = {p["id"] for p in package["projects"]}
    assert f"{ID_PREFIX}-{world.over.code}" in ids
    assert not any(p["title"] == draft.name for p in package["projects"])
    for project in package["projects"]:
        assert _errors(validator, project) == [], project["id"]


def test_the_mapping_of_spec_11(client, district, world, validator):
    _enrich(district, world)
    data = client.get(reverse("api-open-oc4ids-project", args=[world.over.pk])).json()
    (project,) = data["projects"]
    assert _errors(validator, project) == []
    # The validator is not vacuous: a value outside the codelist is refused.
    assert _errors(validator, {**project, "status": "underway"})
    assert project["status"] == "implementation"
    assert project["type"] == "rehabilitation"
    assert project["sector"] == ["transport", "transport.road"]
    assert project["language"] == "zh"
    assert {"id": "general", "scheme": "LC-TIER", "description": "一般类"} in project[
        "additionalClassifications"
    ]
    works, supervision = project["contractingProcesses"]
    assert works["summary"]["nature"] == ["construction"]
    assert works["summary"]["tender"]["procurementMethod"] == "limited"
    assert works["summary"]["tender"]["tier"] == "general"
    assert works["summary"]["contractValue"] == {"amount": 100000.0, "currency": "CNY"}
    assert [t["value"]["amount"] for t in works["summary"]["transactions"]] == [30000.0]
    assert [m["type"] for m in works["summary"]["modifications"]] == ["value"]
    assert supervision["summary"]["nature"] == ["supervision"]
    approvals_met = [m for m in project["milestones"] if m["type"] == "approval"]
    assert {m["title"] for m in approvals_met} >= {
        "主管部门初审通过",
        "专家论证通过",
        "发改局备案",
        "合同备案",
    }
    metrics = {m["id"]: m["observations"][0]["measure"] for m in project["metrics"]}
    assert metrics == {"physicalProgress": 20.0, "financialProgress": 28.57}
    assert [d["documentType"] for d in project["documents"]] == ["physicalProgressReport"]
    assert project["locations"][0]["geometry"] == {
        "type": "Point",
        "coordinates": [119.0105, 25.4372],
    }


def test_completed_project_has_completion_and_acceptance(client, world, validator):
    (project,) = client.get(reverse("api-open-oc4ids-project", args=[world.settled.pk])).json()[
        "projects"
    ]
    assert _errors(validator, project) == []
    assert project["status"] == "completion"
    assert project["completion"]["finalValue"] == {"amount": 140000.0, "currency": "CNY"}
    assert [d["documentType"] for d in project["documents"]] == ["completionCertificate"]


def test_public_fields_only(client, district, world):
    text = client.get(reverse("api-open-oc4ids")).content.decode()
    # No bank accounts, people, residents' networks, ratings, ledgers, scores or flags.
    for private in (
        "35050161000000001234",
        district.street_zhenhai.last_name,
        district.finance.last_name,
        "203.0.113.0/24",
        "network_burst",
        "疑似化整为零",
        "credit_status",
        "rating",
        "林阿姨",
    ):
        assert private not in text, private


def test_drafts_are_not_exported_one_by_one(client, district):
    draft = make_project(district.street_zhenhai)
    assert client.get(reverse("api-open-oc4ids-project", args=[draft.pk])).status_code == 404


def test_the_package_pages_in_a_fixed_number_of_queries(client, district, world):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("api-open-oc4ids")).status_code == 200
        return len(queries)

    # count, page, payments, changes, spot checks, lab tests, approval events
    assert count() == 7
    for n, name in enumerate(["东街路灯更换", "西区公厕翻新", "北门口袋公园"]):
        make_project(
            district.street_gongchen,
            name=name,
            transitions=("file",),
            **apart(n),
        )
    assert count() == 7


def test_a_consultation_feeds_oc4ids_with_its_method_and_its_tenderers(client, district, validator):
    """Procurement records of every kind feed OC4IDS (issue #14 point 3): a B类 竞争性磋商 is a
    selective procurement with as many tenderers as suppliers quoted."""
    from datetime import date

    project = make_project(
        district.street_zhenhai,
        budget_amount=Decimal("38000"),
        project_class="B",
        transitions=("file",),
    )
    approvals.consultation_record(
        actor=district.street_zhenhai,
        project_id=project.pk,
        notice_date=date(2026, 11, 20),
        panel=["陈工", "林工", "黄工"],
        quotes=[
            (district.builder.pk, "37000", "91"),
            (district.builder_b.pk, "36500", "88"),
            (district.builder_c.pk, "37900", "79"),
        ],
        winner_id=district.builder.pk,
        reason="综合得分最高",
    )
    data = client.get(reverse("api-open-oc4ids-project", args=[project.pk])).json()
    (published,) = data["projects"]
    assert _errors(validator, published) == []
    tender = published["contractingProcesses"][0]["summary"]["tender"]
    assert tender["procurementMethod"] == "selective"
    assert tender["procurementMethodDetails"] == "竞争性磋商"
    assert tender["numberOfTenderers"] == 3
