"""The risk colour follows events: a failed spot check, a resident's report and a closed
ledger item recompute it after the commit (through the outbox), not only at night."""

import pytest

from inspections import services as inspections
from performance.models import ProjectRisk
from projects.models import Project
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db(transaction=True)


def colour(project) -> str:
    return Project.objects.values_list("risk_colour", flat=True).get(pk=project.pk)


def test_a_failed_spot_check_turns_the_project_yellow_at_once(district):
    project, _ = under_way(district)
    assert colour(project) == "green"

    inspections.spot_check_record(
        actor=district.dept, project_id=project.pk, items=[("井盖高差", False, "高出 8 毫米")]
    )

    assert colour(project) == "yellow"
    reasons = ProjectRisk.objects.get(project=project).reasons
    assert [r["code"] for r in reasons] == ["failed_check"]


def test_a_second_failure_turns_it_red(district):
    project, _ = under_way(district)
    for _n in range(2):
        inspections.spot_check_record(
            actor=district.dept, project_id=project.pk, items=[("压实度", False, "")]
        )
    assert colour(project) == "red"


def test_risk_and_credit_lists_export_to_excel(client, district):
    from io import BytesIO

    from openpyxl import load_workbook

    project, _ = under_way(district)
    inspections.spot_check_record(
        actor=district.dept, project_id=project.pk, items=[("井盖高差", False, "")]
    )
    client.force_login(district.discipline)
    risk = load_workbook(BytesIO(client.get("/performance/risk/", {"format": "xlsx"}).content))
    rows = [[c.value for c in row] for row in risk.active.iter_rows()]
    assert rows[1][:3] == ["风险", "项目编号", "项目"]
    assert rows[2][2] == project.name and "抽检不合格" in rows[2][4]
    credit = load_workbook(BytesIO(client.get("/performance/credit/", {"format": "xlsx"}).content))
    names = [row[0].value for row in credit.active.iter_rows(min_row=3)]
    assert project.contractor.name in names
