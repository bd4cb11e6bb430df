"""The dashboard's roll-up (dashboards/rollups.py, docs/province.md): after a refresh it gives
the live figures for a district's view, a city's view broken down by district, and it is only as
fresh as its last refresh (the page says so)."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.choices import OrganisationKind, RegionLevel, Role
from accounts.models import Organisation, Region
from accounts.tests.factories import OrganisationFactory, UserFactory
from dashboards.rollups import rollups_refresh
from dashboards.selectors import dashboard_figures, dashboard_projects, figures_for
from projects.models import Project
from projects.tests.factories import make_project

from .conftest import build_world

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL view"),
]


@pytest.fixture
def province(district, settings):
    settings.DASHBOARD_ROLLUPS = True
    build_world(district)
    licheng = Region.objects.get(code="350304")
    chengxiang = Region.objects.create(
        code="350302", name="城厢区", level=RegionLevel.DISTRICT, parent=licheng.parent
    )
    Organisation.objects.update(region=licheng)
    Organisation.objects.filter(pk=district.gongchen.pk).update(region=chengxiang)
    Project.objects.update(district=licheng)
    Project.objects.filter(street=district.gongchen).update(district=chengxiang)
    assert Project.objects.filter(district=chengxiang).exists()

    def officer(name, region):
        org = OrganisationFactory(name=name, kind=OrganisationKind.DEPARTMENT, region=region)
        return UserFactory(username=name, organisation=org, role=Role.DISCIPLINE_OFFICER)

    district.discipline.refresh_from_db()
    rollups_refresh()
    return {
        "licheng": licheng,
        "chengxiang": chengxiang,
        "city": officer("市纪委监委", licheng.parent),
        "district": district.discipline,
    }


def _figures(user, data=None):
    projects, project_filter = dashboard_projects(data or {}, user)
    return figures_for(projects, project_filter), projects


def _same(rolled: dict, live: dict, *, but=("area", "as_of")) -> None:
    for key in set(live) - set(but):
        assert rolled[key] == live[key] or sorted(rolled[key], key=str) == sorted(
            live[key], key=str
        ), key


def test_a_districts_view_reads_the_live_figures_from_the_rollup(province):
    rolled, projects = _figures(province["district"])
    assert "as_of" in rolled and rolled["as_of"] is not None
    live = dashboard_figures(projects, filtered=True)
    assert live["total"] == rolled["total"] > 0
    assert rolled["area"] == live["area"] == "street"
    _same(rolled, live)


def test_a_citys_view_is_broken_down_by_district(province):
    rolled, projects = _figures(province["city"])
    live = dashboard_figures(projects, filtered=True)
    assert rolled["area"] == "district"
    _same(rolled, live, but=("area", "as_of", "by_street", "investment"))
    by_area = {s.label: s.count for s in rolled["by_street"]}
    assert set(by_area) == {"荔城区", "城厢区"}
    assert by_area["城厢区"] == Project.objects.filter(district=province["chengxiang"]).count()
    # Narrowed to one district by the filter: the district's own view, by street.
    narrowed, projects = _figures(province["city"], {"region": province["chengxiang"].pk})
    assert narrowed["area"] == "street"
    assert narrowed["total"] == by_area["城厢区"]
    _same(narrowed, dashboard_figures(projects, filtered=True))


def test_the_rollup_is_as_fresh_as_its_last_refresh(district, province):
    before, _projects = _figures(province["district"])
    make_project(district.street_zhenhai)
    Project.objects.filter(district__isnull=True).update(district=province["licheng"])
    assert _figures(province["district"])[0]["total"] == before["total"]
    rollups_refresh()
    assert _figures(province["district"])[0]["total"] == before["total"] + 1


def test_other_filters_read_live(province):
    rolled, projects = _figures(province["district"], {"tier": "simple"})
    assert "as_of" not in rolled
    assert rolled["total"] == projects.count()


def test_the_page_says_its_figures_are_rolled_up(client, province):
    client.force_login(province["city"])
    page = client.get(reverse("dashboards:discipline"))
    assert page.status_code == 200
    assert 'data-testid="rollup-as-of"' in page.content.decode()
    assert "城厢区" in page.content.decode()
    assert client.get(reverse("dashboards:discipline"), {"tier": "simple"}).status_code == 200


def test_a_discipline_officers_start_page_counts_from_the_rollup(client, district, province):
    # given: the city's officer, whose districts hold every project; then one more filed
    city = province["city"]
    live_total = Project.objects.filter(district__isnull=False).count()
    make_project(district.street_zhenhai)
    Project.objects.filter(district__isnull=True).update(district=province["licheng"])
    client.force_login(city)
    page = client.get("/").content.decode()
    # then: the counts are the roll-up's, as of its refresh, until the next refresh
    assert 'data-testid="counts-as-of"' in page
    assert f'<div class="fs-3 fw-semibold">{live_total}</div>' in page
    rollups_refresh()
    page = client.get("/").content.decode()
    assert f'<div class="fs-3 fw-semibold">{live_total + 1}</div>' in page
    # and a street office's start page counts live, with no such note
    client.force_login(district.street_zhenhai)
    assert 'data-testid="counts-as-of"' not in client.get("/").content.decode()
