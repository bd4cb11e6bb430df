"""One platform for a province (docs/province.md): each project belongs to its street office's
district; a district's departments and discipline officers read that district only, a city's
every district of the city, the province's all; the dashboard offers the regions under one's own."""

import pytest
from django.http import Http404
from django.urls import reverse

from accounts.choices import OrganisationKind, RegionLevel, Role
from accounts.models import Region
from accounts.tests.factories import OrganisationFactory, UserFactory
from dashboards.selectors import dashboard_figures, dashboard_projects
from projects.permissions import access_project, projects_visible_to
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(district):
    """荔城区 (the migration's) beside 城厢区 of the same city, and 鼓楼区 of another city."""
    licheng = Region.objects.get(code="350304")
    putian = licheng.parent
    fujian = putian.parent
    chengxiang = Region.objects.create(
        code="350302", name="城厢区", level=RegionLevel.DISTRICT, parent=putian
    )
    fuzhou = Region.objects.create(
        code="350100", name="福州市", level=RegionLevel.CITY, parent=fujian
    )
    gulou = Region.objects.create(
        code="350102", name="鼓楼区", level=RegionLevel.DISTRICT, parent=fuzhou
    )
    for org in (district.zhenhai, district.dept.organisation, district.discipline.organisation):
        org.region = licheng
        org.save(update_fields=["region"])
    street = OrganisationFactory(name="龙桥街道", kind=OrganisationKind.STREET, region=chengxiang)
    street_user = UserFactory(username="street_longqiao", organisation=street)
    home = make_project(district.street_zhenhai, transitions=("file",))
    other = make_project(street_user, transitions=("file",))

    def officer(name, region, role=Role.DISCIPLINE_OFFICER):
        org = OrganisationFactory(name=name, kind=OrganisationKind.DEPARTMENT, region=region)
        return UserFactory(username=name, organisation=org, role=role)

    return {
        "licheng": licheng,
        "chengxiang": chengxiang,
        "gulou": gulou,
        "home": home,
        "other": other,
        "city": officer("市纪委监委", putian),
        "province": officer("省纪委监委", fujian),
        "fuzhou": officer("福州市纪委监委", fuzhou),
        "chengxiang_dept": officer("城厢区住建局", chengxiang, Role.DEPT_REVIEWER),
    }


def test_a_project_takes_its_street_offices_district(district, province):
    assert province["home"].district == province["licheng"]
    assert province["other"].district == province["chengxiang"]


def test_each_level_reads_the_districts_under_it(district, province):
    home, other = province["home"].pk, province["other"].pk

    def seen(user):
        return set(projects_visible_to(user).values_list("pk", flat=True))

    assert seen(district.dept) == {home}
    assert seen(district.discipline) == {home}
    assert seen(province["chengxiang_dept"]) == {other}
    assert seen(province["city"]) == {home, other}
    assert seen(province["province"]) == {home, other}
    assert seen(province["fuzhou"]) == set()
    with pytest.raises(Http404):
        access_project(district.dept, other)
    # Companies follow their contracts, wherever the district: unchanged.
    assert access_project(province["chengxiang_dept"], other).pk == other


def test_the_dashboard_narrows_to_a_region_under_ones_own(client, district, province):
    projects, _filter = dashboard_projects({}, province["province"])
    assert dashboard_figures(projects, filtered=False)["total"] == 2
    projects, _filter = dashboard_projects({"region": province["chengxiang"].pk}, province["city"])
    assert list(projects.values_list("pk", flat=True)) == [province["other"].pk]
    # The district's officer is offered no region but its own, and reads only its own.
    projects, project_filter = dashboard_projects(
        {"region": province["chengxiang"].pk}, district.discipline
    )
    assert list(project_filter.form.fields["region"].queryset) == [province["licheng"]]
    assert not projects.filter(pk=province["other"].pk).exists()
    client.force_login(province["city"])
    page = client.get(reverse("dashboards:discipline"), {"region": province["chengxiang"].pk})
    assert page.status_code == 200
    assert page.context["figures"]["total"] == 1
    assert "城厢区" in page.content.decode()
