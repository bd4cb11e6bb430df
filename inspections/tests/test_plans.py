"""The monthly random plan (双随机) in people's hands: drawn on its page with a recorded seed,
conflicts of interest excluded, exported, assigned, checks linking back; the monthly draft."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from core.models import AuditEvent
from inspections import services
from inspections.events import InspectionEvents
from inspections.models import SpotCheck, SpotCheckPlan, SpotCheckPolicy
from inspections.tasks import spot_check_plan_draft
from projects.choices import ProjectStatus
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def _world(district, *, projects=6, inspectors=3):
    SpotCheckPolicy.objects.create(
        effective_from=date(2000, 1, 1), red_rate=1, yellow_rate=1, green_rate=1
    )
    people = [district.dept] + [
        UserFactory(
            username=f"inspector{n}",
            organisation=district.dept.organisation,
            role=Role.DEPT_REVIEWER,
        )
        for n in range(inspectors - 1)
    ]
    made = []
    for n in range(projects):
        project = make_project(district.street_zhenhai, name=f"第{n}号工程")
        Project.objects.filter(pk=project.pk).update(
            status=ProjectStatus.IN_PROGRESS,
            risk_colour=["red", "yellow", "green"][n % 3],
            dept_approved_by=district.dept if n == 0 else None,
        )
        made.append(project)
    return made, people


def test_the_dept_draws_a_plan_in_the_page_exports_it_and_the_seed_redraws_it(
    client, district, django_assert_num_queries
):
    projects, _people = _world(district)
    client.force_login(district.dept)
    # when the 住建局 draws December's plan with a seed of its choosing
    response = client.post(reverse("inspections:plans"), {"month": "2026-12", "seed": "lc-2026-12"})
    plan = SpotCheckPlan.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/plans/{plan.pk}/")
    # then every project is drawn (rates 1.0), the one approved by dept is not given to dept
    assert sorted(d["project"] for d in plan.draws) == sorted(p.pk for p in projects)
    first = next(d for d in plan.draws if d["project"] == projects[0].pk)
    assert first["inspector"] != district.dept.pk
    assert plan.inputs["conflicts"][str(projects[0].pk)] == [district.dept.pk]
    with django_assert_num_queries(9):
        page = client.get(reverse("inspections:plan", args=[plan.pk])).content.decode()
    assert page.count('data-testid="plan-draw"') == 6
    assert "lc-2026-12" in page and "结果一致" in page
    # the same seed over the same inputs draws the same plan; another seed another one
    assert services.plan_redraw_matches(plan) is True
    assert services.draw_plan(plan.inputs, "other", plan.rates) != plan.draws
    # the export names the month and seed, one row per draw
    book = load_workbook(
        BytesIO(client.get(reverse("inspections:plan_export", args=[plan.pk])).content)
    )
    sheet = book.active
    assert "2026-12" in str(sheet["A1"].value) and "lc-2026-12" in str(sheet["A1"].value)
    assert sheet.max_row == 2 + 6
    assert AuditEvent.objects.filter(verb=InspectionEvents.SPOT_CHECK_PLAN_DRAWN).count() == 1


def test_assigning_a_check_keeps_conflicts_out_and_the_check_links_back(client, district):
    projects, people = _world(district)
    plan = services.plan_create(actor=district.dept, month=date(2026, 12, 1), seed="s")
    target = projects[0]  # approved by district.dept: dept may not check it
    other = next(u for u in people if u.pk != district.dept.pk)
    client.force_login(district.dept)
    url = reverse("inspections:plan_assign", args=[plan.pk])
    client.post(url, {"project": target.pk, "inspector": district.dept.pk})
    plan.refresh_from_db()
    draw = next(d for d in plan.draws if d["project"] == target.pk)
    assert draw["assigned"] != district.dept.pk
    for candidate in people:
        if candidate.pk not in (district.dept.pk, draw["assigned"]):
            client.post(url, {"project": target.pk, "inspector": candidate.pk})
            break
    plan.refresh_from_db()
    assert next(d for d in plan.draws if d["project"] == target.pk)["assigned"] == candidate.pk
    assert AuditEvent.objects.filter(verb=InspectionEvents.SPOT_CHECK_PLAN_ASSIGNED).count() == 1
    # a check recorded on a drawn project in the plan's month links to the plan
    import time_machine

    with time_machine.travel(date(2026, 12, 8)):
        check = services.spot_check_record(
            actor=other, project_id=projects[1].pk, items=[("路面平整度", True, "")]
        )
    assert check.plan_id == plan.pk
    page = client.get(reverse("inspections:plan", args=[plan.pk])).content.decode()
    assert "2026-12-08" in page or "2026年12月8日" in page
    assert SpotCheck.objects.filter(plan=plan).count() == 1


def test_only_the_dept_draws_and_discipline_reads(client, district):
    _world(district, projects=1)
    client.force_login(district.discipline)
    assert client.get(reverse("inspections:plans")).status_code == 200
    assert client.post(reverse("inspections:plans"), {"month": "2026-12"}).status_code == 403
    client.force_login(district.street_zhenhai)
    assert client.get(reverse("inspections:plans")).status_code == 403
    assert not SpotCheckPlan.objects.exists()
    client.force_login(district.dept)
    response = client.post(
        reverse("api-spot-check-plans"), {"month": "2026-12-03"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["redraw_matches"] is True
    again = client.post(
        reverse("api-spot-check-plans"), {"month": "2026-12-20"}, content_type="application/json"
    )
    assert again.status_code == 409 and "已经生成" in again.json()["message"]


def test_the_monthly_job_drafts_the_plan_on_the_first_working_day_only(district):
    _world(district, projects=2)
    import time_machine

    # 2026-11-01 is a Sunday: the first working day of November is Monday the 2nd
    with time_machine.travel(date(2026, 11, 1)):
        assert spot_check_plan_draft() is None
    with time_machine.travel(date(2026, 11, 2)):
        plan_id = spot_check_plan_draft()
    plan = SpotCheckPlan.objects.get(pk=plan_id)
    assert plan.month == date(2026, 11, 1) and plan.created_by is None
    with time_machine.travel(date(2026, 11, 2)):
        assert spot_check_plan_draft() is None  # once
    with time_machine.travel(date(2026, 11, 3)):
        assert spot_check_plan_draft() is None
