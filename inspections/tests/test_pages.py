"""Site supervision in the browser's terms: completion to acceptance, the ledger page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import services as approvals
from inspections import services
from inspections.choices import ItemSource
from inspections.models import RectificationItem
from projects.choices import ProjectStatus
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db


def test_from_completion_to_acceptance_in_the_pages(client, district):
    project, contractor = under_way(district, progress="100")
    url = reverse("projects:detail", args=[project.pk])
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    client.force_login(district.lab)
    assert 'data-action="lab-test"' in client.get(url).content.decode()
    client.post(
        reverse("inspections:lab_test", args=[project.pk]), {"pass_rate": "99", "report_no": "JC-1"}
    )
    client.force_login(district.street_zhenhai)
    response = client.post(
        reverse("inspections:acceptance", args=[project.pk]),
        {"resident_names": "", "other_names": "王工", "conclusion": "同意"},
        follow=True,
    )
    assert "居民代表" in response.content.decode()
    response = client.post(
        reverse("inspections:acceptance", args=[project.pk]),
        {"resident_names": "林阿姨，陈伯", "other_names": "王工", "conclusion": "同意验收"},
        follow=True,
    )
    assert "竣工验收已通过" in response.content.decode()
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED
    assert [p["name"] for p in project.acceptance.participants] == ["林阿姨", "陈伯", "王工"]


def test_spot_check_form_opens_a_ledger_item_shown_with_its_warning(client, district):
    project, contractor = under_way(district)
    client.force_login(district.dept)
    client.post(
        reverse("inspections:spot_check", args=[project.pk]),
        {
            "item_name": ["混凝土强度", "平整度", ""],
            "item_passed": ["1", "0", "1"],
            "item_note": ["", "超差", ""],
        },
    )
    client.force_login(contractor)
    html = client.get(reverse("inspections:ledger")).content.decode()
    assert "质量抽检不合格：平整度（超差）" in html


@pytest.mark.parametrize("rows", [1, 6])
def test_ledger_page_query_count_is_flat(client, district, django_assert_num_queries, rows):
    project, contractor = under_way(district)
    for _ in range(rows):
        services.item_open(
            actor=district.dept,
            project_id=project.pk,
            source=ItemSource.PATROL_LOG,
            problem="x",
            responsible_organisation_id=project.contractor_id,
            deadline=timezone.localdate() + timedelta(days=3),
            standard="y",
        )
    client.force_login(contractor)
    # session, user, count, page of items with project and responsible unit, session (3)
    with django_assert_num_queries(7):
        html = client.get(reverse("inspections:ledger")).content.decode()
    assert html.count('data-testid="ledger-item"') == rows
    assert 'data-testid="warning-yellow"' in html


@pytest.mark.parametrize("rows", [1, 4])
def test_ledger_exports_to_excel_with_its_filter(client, district, django_assert_num_queries, rows):
    from io import BytesIO

    from openpyxl import load_workbook

    project, contractor = under_way(district)
    for n in range(rows):
        services.item_open(
            actor=district.dept,
            project_id=project.pk,
            source=ItemSource.SPOT_CHECK,
            problem=f"问题{n}",
            responsible_organisation_id=project.contractor_id,
            deadline=timezone.localdate() + timedelta(days=5),
            standard="整改到位",
        )
    first = RectificationItem.objects.order_by("id").first()
    services.item_submit(actor=contractor, item_id=first.pk, evidence="已整改，照片附后")
    client.force_login(district.dept)
    # session, user, the items with project and organisation, session refresh (3)
    with django_assert_num_queries(6):
        response = client.get(reverse("inspections:ledger_export"), {"status": "open"})
    sheet = load_workbook(BytesIO(response.content)).active
    values = [[c.value for c in row if c.value is not None] for row in sheet.iter_rows()]
    assert values[0] == ["状态：待整改"]
    assert len(values) == 2 + rows - 1  # the submitted one is filtered out
    assert all(row[-1] == project.name for row in values[2:])
