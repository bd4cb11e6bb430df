"""Risk colours with their reasons, and warnings: one per cause however often the job runs,
delivered to the responsible people, raised in place, resolved, and mailed once."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import CreditStatus
from core.errors import ConflictError
from core.models import AuditEvent
from inspections.models import RectificationItem
from performance.events import PerformanceEvents
from projects.choices import WarningLevel
from projects.models import Project

from ..alerts import warning_text, warnings_refresh
from ..choices import WarningKind
from ..credit import credit_nightly, false_report_confirm
from ..demonstration import demonstration_decide, demonstration_propose
from ..models import DemonstrationProposal, ProjectRisk, Warning, WarningRecipient
from ..risk import risk_of, risk_recompute
from .builders import at, checks, contractor_user, lab_test, ratings, under_way


def test_risk_colour_follows_the_reasons_and_a_rerun_changes_nothing(district):
    d = district
    with at(date(2026, 8, 3)):
        calm, checked = under_way(d, d.builder_b), under_way(d, d.builder)
        checks(d, checked, [False])  # failed check: yellow, and a ledger item due in 15 days
    assert risk_recompute(today=date(2026, 8, 5)) == {checked.pk: "yellow"}
    assert Project.objects.get(pk=calm.pk).risk_colour == "green"
    assert risk_of(checked.pk) == ("yellow", ["近半年质量抽检不合格 1 次"])
    assert risk_recompute(today=date(2026, 8, 5)) == {}
    assert AuditEvent.objects.filter(verb=PerformanceEvents.RISK_RECOMPUTED).count() == 1
    # Overdue ledger item and a blacklisted contractor: red, with both reasons listed.
    false_report_confirm(
        actor=d.dept,
        organisation_id=d.builder.pk,
        description="虚报",
        evidence="通报",
        confirmed_on=date(2026, 8, 20),
    )
    risk_recompute(today=date(2026, 8, 20))
    colour, reasons = risk_of(checked.pk)
    assert colour == "red" and "施工单位已列入黑名单或暂停资格" in reasons
    risk_recompute(today=date(2026, 8, 30))
    assert "整改事项逾期 1 项" in risk_of(checked.pk)[1]
    assert Project.objects.get(pk=checked.pk).risk_colour == "red"
    assert ProjectRisk.objects.count() == 2


def test_anomaly_flags_of_the_last_half_year_count_in_the_colour(district):
    from approvals.choices import FlagKind
    from approvals.models import Flag

    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder_b)
        Flag.objects.create(
            project=project, kind=FlagKind.PHOTO_FAR, key="photo:1", summary="远离现场"
        )
        Flag.objects.create(
            project=project, kind=FlagKind.PHOTO_EDITED, key="photo:2", summary="经编辑"
        )
        # a large change is its own reason, not counted twice
        Flag.objects.create(project=project, kind=FlagKind.LARGE_CHANGE, key="c", summary="变更")
    risk_recompute(today=date(2026, 8, 5))
    assert risk_of(project.pk) == ("yellow", ["近半年异常标记 2 条"])
    # half a year on, they no longer count (the works extended, so not late either)
    from projects.models import Project

    Project.objects.filter(pk=project.pk).update(planned_end=date(2027, 6, 30))
    risk_recompute(today=date(2027, 3, 1))
    assert risk_of(project.pk)[0] == "green"


def test_one_warning_per_cause_raised_in_place_mailed_once(
    district, django_capture_on_commit_callbacks
):
    d = district
    staff = contractor_user(d.builder)
    staff.email = "pm@example.com"
    staff.save()
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
        checks(d, project, [False])
    item = RectificationItem.objects.get()
    for day in (date(2026, 8, 12), date(2026, 8, 12)):  # half the time gone: blue, twice
        with django_capture_on_commit_callbacks(execute=True):
            warnings_refresh(today=day)
    warning = Warning.objects.get(kind=WarningKind.LEDGER)
    assert (warning.cause_key, warning.level) == (f"ledger:{item.pk}", WarningLevel.BLUE)
    assert staff.pk in set(warning.recipients.values_list("user_id", flat=True))
    assert WarningRecipient.objects.filter(warning=warning, user=staff).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["pm@example.com"]
    assert "整改时限 2026-08-18" in mail.outbox[0].body
    WarningRecipient.objects.filter(user=staff).update(read_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        warnings_refresh(today=date(2026, 8, 19))  # overdue: the same warning, red, unread
    warning.refresh_from_db()
    assert warning.level == WarningLevel.RED
    assert Warning.objects.filter(kind=WarningKind.LEDGER).count() == 1
    assert WarningRecipient.objects.get(warning=warning, user=staff).read_at is None
    assert len(mail.outbox) == 2
    # The cause goes away (item closed): the warning is resolved, not deleted.
    RectificationItem.objects.filter(pk=item.pk).update(status="closed")
    warnings_refresh(today=date(2026, 8, 20))
    warning.refresh_from_db()
    assert warning.resolved_at is not None


def test_low_counted_ratings_warn_the_street_and_the_contractor(district):
    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
    ratings(project, [60, 70, 65, 50, 72])
    ratings(project, [100] * 5, status="held")  # held ratings do not lift the mean
    warnings_refresh(today=date(2026, 8, 20))
    warning = Warning.objects.get(kind=WarningKind.LOW_RATING)
    assert warning_text(warning) == (
        f"项目“{project.name}”群众评价平均分 63.4（5 条），低于 80 分。"
    )
    users = set(warning.recipients.values_list("user__username", flat=True))
    street_staff = set(project.street.users.values_list("username", flat=True))
    assert project.street_user.username in street_staff
    assert users == street_staff | {"contractor_a"}


def _two_accepted(district):
    d = district
    with at(date(2026, 8, 3)):
        good, fair = under_way(d, d.builder), under_way(d, d.builder_b)
        checks(d, good, [True])
        checks(d, fair, [True, False])
        for project, rate in ((good, "98"), (fair, "90")):
            lab_test(d, project, rate)
            from inspections.services import acceptance_record
            from tests.funds_helpers import RESIDENTS

            RectificationItem.objects.filter(project=project).update(status="closed")
            acceptance_record(
                actor=project.street_user,
                project_id=project.pk,
                participants=RESIDENTS,
                conclusion="同意验收",
            )
    ratings(good, [95, 96, 97, 98, 99])
    ratings(fair, [80, 80, 80, 80, 80])
    return good, fair


def test_the_year_s_best_projects_are_proposed_with_their_figures(district):
    good, fair = _two_accepted(district)
    rows = demonstration_propose(year=2026)
    assert [r.project_id for r in rows] == [good.pk, fair.pk]
    top = DemonstrationProposal.objects.get(rank=1)
    # quality (100 + 98)/2 = 99.00, satisfaction 97.00, no payments: (40×99 + 40×97)/80 = 98.00
    assert (top.figures["quality_rate"], top.figures["satisfaction"], top.score) == (
        "99.00",
        "97.00",
        98,
    )
    demonstration_propose(year=2026)
    assert AuditEvent.objects.filter(verb=PerformanceEvents.DEMONSTRATION_PROPOSED).count() == 1


def test_the_dept_names_the_years_demonstration_projects_and_they_are_published(client, district):
    good, fair = _two_accepted(district)
    demonstration_propose(year=2026)
    with pytest.raises(PermissionDenied):
        demonstration_decide(actor=district.discipline, year=2026, project_ids=[good.pk])
    # the 住建局 selects on the page
    client.force_login(district.dept)
    page = client.get(reverse("performance:demonstration_year", args=[2026])).content.decode()
    assert 'name="project"' in page
    client.post(
        reverse("performance:demonstration_decide", args=[2026]),
        {"project": [good.pk], "note": "质量优良、群众满意"},
    )
    good.refresh_from_db()
    fair.refresh_from_db()
    assert (good.demonstration_year, fair.demonstration_year) == (2026, None)
    with pytest.raises(ConflictError):
        demonstration_decide(actor=district.dept, year=2026, project_ids=[fair.pk])
    # a re-proposal no longer moves the decided list
    demonstration_propose(year=2026)
    assert DemonstrationProposal.objects.get(project=good).selected_at is not None
    # published on the public page, and an honour in the contractor's credit record
    public = Client().get(reverse("ratings:public", args=[good.public_token])).content.decode()
    assert "2026 年度示范项目" in public
    client.force_login(district.discipline)
    credit = client.get(reverse("performance:credit_company", args=[good.contractor_id]))
    assert (
        'data-testid="honours"' in credit.content.decode() and good.name in credit.content.decode()
    )
    assert AuditEvent.objects.filter(verb=PerformanceEvents.DEMONSTRATION_DECIDED).count() == 1


def test_nightly_credit_then_risk_marks_a_blacklisted_contractor_s_projects(district):
    d = district
    with at(date(2026, 8, 3)):
        project = under_way(d, d.builder)
    from .test_credit import _violations, _working_days

    _violations(project, _working_days(date(2026, 8, 3), 10))
    credit_nightly(today=date(2026, 8, 24))
    d.super_org.refresh_from_db()
    assert d.super_org.credit_status == CreditStatus.BLACKLISTED
    risk_recompute(today=date(2026, 8, 24))
    assert "近30天缺少巡查记录 10 天" in risk_of(project.pk)[1]
    assert date(2026, 8, 24) - timedelta(days=30) < date(2026, 8, 3)
