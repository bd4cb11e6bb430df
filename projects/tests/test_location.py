"""A project's place lies in the district (issue #16 point 3; docs/rules.md §1): coordinates
outside its outline are refused with a message, on the form and through the API; a place on
the border (the outline is schematic) is accepted."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.geo import DISTRICT_MARGIN_M, district_ring, in_district
from projects.models import Project
from projects.services import project_update
from projects.tests.factories import make_project, project_form_data

pytestmark = pytest.mark.django_db


def test_the_outline_knows_the_streets_and_refuses_the_neighbours():
    assert in_district("25.437200", "119.010500")  # 镇海街道
    assert in_district(Decimal("25.360300"), Decimal("119.150100"))  # 北高镇
    assert not in_district("25.6800", "119.0200")  # 涵江, north of the district
    assert not in_district("25.4400", "118.8000")  # 城厢, west of it
    assert not in_district("39.9042", "116.4074")  # far away
    # the outline's northernmost vertex: a little north of it counts (within the margin),
    # further north does not
    lng, lat = max(district_ring(), key=lambda point: point[1])
    step = DISTRICT_MARGIN_M / 110_540  # the margin in degrees of latitude
    assert in_district(lat + 0.5 * step, lng)
    assert not in_district(lat + 2 * step, lng)


def test_filing_outside_the_district_is_refused_and_nothing_is_saved(client, district):
    with pytest.raises(ValidationError) as refused:
        make_project(district.street_zhenhai, latitude=Decimal("25.680000"))
    assert "不在荔城区范围内" in " ".join(refused.value.message_dict["latitude"])
    project = make_project(district.street_zhenhai)
    with pytest.raises(ValidationError):
        project_update(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data={"longitude": Decimal("118.800000")},
        )
    assert Project.objects.get(pk=project.pk).longitude == Decimal("119.010500")
    client.force_login(district.street_zhenhai)
    before = Project.objects.count()
    page = client.post(reverse("projects:create"), project_form_data(latitude="25.680000"))
    assert page.status_code == 200 and Project.objects.count() == before
    assert "不在荔城区范围内" in page.content.decode()
    # the form offers the map to pick the place
    assert 'id="location-picker"' in client.get(reverse("projects:create")).content.decode()
