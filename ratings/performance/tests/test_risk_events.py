"""The risk colour follows events: a failed spot check, a resident's report and a closed
ledger item recompute it after the commit (through the outbox), not only at night."""
import pytest

from inspections import services as inspections
from projects.models import Project
from ratings.performance.models import ProjectRisk
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db(transaction=True)


def colour(project) -> str:
    return Project.objects.values_list("risk_colour", flat=True).get(pk=project.pk)


def test_a_failed_spot_check_turns_the_project_yellow_at_once(district):
    project, _ = under_way(district)
    assert colour(project) == "green"

    inspections.spot_check_record(actor=district.dept, project_id=project.pk,
                                  items=[("井盖高差", False, "高出 8 毫米")])

    assert colour(project) == "yellow"
    reasons = ProjectRisk.objects.get(project=project).reasons
    assert [r["code"] for r in reasons] == ["failed_check"]


def test_a_second_failure_turns_it_red(district):
    project, _ = under_way(district)
    for _n in range(2):
        inspections.spot_check_record(actor=district.dept, project_id=project.pk,
                                      items=[("压实度", False, "")])
    assert colour(project) == "red"
