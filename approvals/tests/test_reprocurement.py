"""Escalation forces re-procurement and the scope ceiling (issue #14 points 1–2, docs/rules.md
§2): a lottery-awarded 480,000 元 project taken past 500,000 by a change stops (停工) — no
completion, no resumption, no payment past what its original contract already owed — until a
public tender and its contract are filed, by any role, through the services and the API; a
project's amount at or past 5,000,000 元 is no 零星工程."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import services
from approvals.tests.helpers import approved_general, contract_data, reveal_both
from core.errors import ApplicationError, ConflictError
from performance.alerts import warnings_refresh
from performance.choices import WarningKind
from performance.models import Warning
from projects.choices import (
    PaymentStage,
    ProcurementMethod,
    ProjectStatus,
    ProjectStop,
    StopStep,
    Tier,
    WarningLevel,
)
from projects.models import Project
from projects.services import payment_request, project_create
from projects.tests.factories import make_project, project_form_data, ready_to_start
from tests.funds_helpers import ACCOUNT

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _lottery_under_way(district) -> tuple[Project, object]:
    """480,000 元 awarded by lottery, at work, 50% reported, 200,000 paid."""
    from accounts.choices import Role
    from accounts.models import Organisation
    from accounts.tests.factories import UserFactory
    from inspections.services import progress_report

    project = approved_general(district, amount="470000")
    services.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    reveal_both(district, project.pk)
    winner = services.lottery_draw(actor=district.dept, project_id=project.pk).winner
    assert winner is not None
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, company=winner, amount="480000"),
    )
    ready_to_start(project)
    services.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="start_work"
    )
    Organisation.objects.filter(pk=winner.pk).update(bank_account=ACCOUNT)
    contractor = UserFactory(username="pm_lottery", organisation=winner, role=Role.CONTRACTOR)
    progress_report(actor=contractor, project_id=project.pk, percent="50", text="过半")
    payment_request(
        actor=contractor,
        project_id=project.pk,
        stage=PaymentStage.PROGRESS,
        amount=Decimal("200000"),
        payee_account=ACCOUNT,
    )
    project.refresh_from_db()
    return project, contractor


def _escalate(district, project, delta="30000"):
    change = services.change_request(
        actor=district.street_zhenhai, project_id=project.pk, amount_delta=delta, reason="管线迁改"
    )
    services.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    project.refresh_from_db()
    return project


def test_a_lottery_award_escalated_to_major_stops_until_a_tender_and_its_contract(district):
    project, contractor = _lottery_under_way(district)
    project = _escalate(district, project)
    assert (project.status, project.tier) == (ProjectStatus.SUSPENDED, Tier.MAJOR)
    assert (project.stopped_for, project.stop_step) == (ProjectStop.TENDER, StopStep.AWARD)
    assert project.stopped_from == ProjectStatus.IN_PROGRESS
    assert "公开招标" in project.stop_reason

    # No completion and no resumption, for any role, by service or API: the contractor who
    # may declare completion is told why; nobody else may fire it at all.
    with pytest.raises(ConflictError, match="停工"):
        services.project_transition(
            actor=contractor, project_id=project.pk, name="declare_complete"
        )
    for actor in (district.street_zhenhai, district.dept, district.drc, district.admin):
        for name in ("declare_complete", "start_work", "resume", "halt"):
            with pytest.raises((ConflictError, PermissionDenied, Http404)):
                services.project_transition(actor=actor, project_id=project.pk, name=name)
    url = f"/api/v1/projects/{project.pk}/transitions/"
    for name in ("declare_complete", "start_work", "resume", "halt"):
        response = _api(contractor).post(url + f"{name}/", {})
        assert response.status_code in (404, 409), (name, response.status_code)
    refused = _api(contractor).post(url + "declare_complete/", {})
    assert refused.status_code == 409 and "停工" in refused.json()["message"]

    # Escalation approvals are still needed, so no tender before them.
    bids = [
        (district.builder.pk, "512000"),
        (district.builder_b.pk, "509000"),
        (district.builder_c.pk, "530000"),
    ]
    tender = dict(
        notice_date="2026-12-01", bids=bids, winner_id=district.builder_b.pk, reason="评标第一"
    )
    with pytest.raises(ConflictError, match="补齐后才能重新采购"):
        services.tender_record(actor=district.street_zhenhai, project_id=project.pk, **tender)
    services.escalation_approve(actor=district.finance, project_id=project.pk)
    services.escalation_approve(actor=district.drc, project_id=project.pk)
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUSPENDED  # the approvals alone do not lift it
    # the page shows the stop and its reason, and offers the street office the tender form
    client = Client()
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-testid="stopped"' in page and "须以“公开招标”重新确定施工单位" in page
    assert 'data-action="tender"' in page and 'data-action="contract"' not in page

    # Nothing paid past what the original contract owed: 480,000 × 50% = 240,000.
    with pytest.raises(ApplicationError) as caught:
        payment_request(
            actor=contractor,
            project_id=project.pk,
            stage=PaymentStage.PROGRESS,
            amount=Decimal("50000"),
            payee_account=ACCOUNT,
        )
    assert "240,000.00" in caught.value.message
    payment_request(
        actor=contractor,
        project_id=project.pk,
        stage=PaymentStage.PROGRESS,
        amount=Decimal("40000"),
        payee_account=ACCOUNT,
    )

    # A contract cannot be filed again before the tender.
    with pytest.raises(ConflictError, match="停工"):
        services.contract_file(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data=contract_data(district, company=district.builder_b, amount="509000"),
        )
    services.tender_record(actor=district.street_zhenhai, project_id=project.pk, **tender)
    project.refresh_from_db()
    assert (project.stop_step, project.contractor_id) == (StopStep.CONTRACT, district.builder_b.pk)
    with pytest.raises(ConflictError):  # one tender
        services.tender_record(actor=district.street_zhenhai, project_id=project.pk, **tender)
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, company=district.builder_b, amount="509000"),
    )
    project.refresh_from_db()
    assert (project.status, project.stopped_for, project.stop_step) == (
        ProjectStatus.IN_PROGRESS,
        "",
        "",
    )
    contract = project.contract
    assert (contract.amount, contract.approved_changes_total) == (Decimal("509000.00"), 0)
    assert contract.contractor_id == district.builder_b.pk
    # changes after the new contract count again, from zero
    project = _escalate(district, project, delta="1000")
    assert project.contract.approved_changes_total == Decimal("1000.00")


def test_a_direct_award_escalated_to_general_stops_until_procured_again(district):
    project = make_project(
        district.street_zhenhai, budget_amount=Decimal("45000"), transitions=("file",)
    )
    services.direct_award(
        actor=district.street_zhenhai,
        project_id=project.pk,
        contractor_id=district.builder.pk,
        reason="应急",
    )
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, amount="45000"),
    )
    change = services.change_request(
        actor=district.street_zhenhai, project_id=project.pk, amount_delta="8000", reason="排水"
    )
    services.change_decide(actor=district.street_zhenhai_2, change_id=change.pk, approve=True)
    project.refresh_from_db()
    assert (project.status, project.stopped_for) == (ProjectStatus.SUSPENDED, ProjectStop.LOTTERY)
    assert project.stopped_from == ProjectStatus.CONTRACTED
    with pytest.raises(ConflictError, match="停工"):
        services.project_transition(
            actor=district.street_zhenhai, project_id=project.pk, name="start_work"
        )
    # Re-procured by its new tier's own method, the lottery, once the approvals are given.
    shortlist = [district.builder_b.pk, district.builder_c.pk]
    with pytest.raises(ConflictError, match="补齐后才能重新采购"):
        services.lottery_shortlist(
            actor=district.dept, project_id=project.pk, contractor_ids=shortlist
        )
    for reviewer in (district.dept, district.expert, district.drc):
        services.escalation_approve(actor=reviewer, project_id=project.pk)
    with pytest.raises(ConflictError, match="备选抽签”或“公开招标"):  # not the award it had
        services.direct_award(
            actor=district.street_zhenhai,
            project_id=project.pk,
            contractor_id=district.builder_b.pk,
            reason="应急",
        )
    services.lottery_shortlist(actor=district.dept, project_id=project.pk, contractor_ids=shortlist)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.SUSPENDED  # still stopped
    reveal_both(district, project.pk)
    lottery = services.lottery_draw(actor=district.dept, project_id=project.pk)
    project.refresh_from_db()
    assert (project.stop_step, project.contractor_id) == (StopStep.CONTRACT, lottery.winner_id)
    assert project.procurement_method == ProcurementMethod.LIMITED
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, company=lottery.winner, amount="53000"),
    )
    project.refresh_from_db()
    assert (project.status, project.stopped_for) == (ProjectStatus.CONTRACTED, "")


def test_filing_at_or_past_the_ceiling_is_refused_naming_the_centralised_directory(district):
    with pytest.raises(ValidationError) as caught:
        project_create(
            actor=district.street_zhenhai, data=project_form_data(budget_amount="5000000")
        )
    message = " ".join(caught.value.message_dict["budget_amount"])
    assert "集中管理目录" in message
    assert "A 级：1 亿元以上" in message and "B 级：500 万元至 1 亿元" in message
    project = project_create(
        actor=district.street_zhenhai, data=project_form_data(budget_amount="4999999.99")
    )
    assert project.tier == Tier.MAJOR
    # the page says it in the form, with nothing saved
    before = Project.objects.count()
    client = Client()
    client.force_login(district.street_zhenhai)
    page = client.post(reverse("projects:create"), project_form_data(budget_amount="60000000"))
    assert page.status_code == 200
    assert "集中管理目录" in page.content.decode()
    assert Project.objects.count() == before


def test_a_change_past_the_ceiling_stops_the_project_for_good(district):
    project, _contractor = _lottery_under_way(district)
    project = _escalate(district, project, delta="4600000")
    assert (project.status, project.stopped_for) == (ProjectStatus.SUSPENDED, ProjectStop.CEILING)
    assert "集中管理目录" in project.stop_reason
    # a red warning for the 发改局 (the nightly job), a yellow one for a re-procurement
    warnings_refresh()
    warning = Warning.objects.get(kind=WarningKind.STOPPED, project=project)
    assert warning.level == WarningLevel.RED
    assert warning.recipients.filter(user=district.drc).exists()
    services.escalation_approve(actor=district.finance, project_id=project.pk)
    services.escalation_approve(actor=district.drc, project_id=project.pk)
    with pytest.raises(ConflictError, match="集中管理目录"):
        services.tender_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            notice_date="2026-12-01",
            bids=[
                (district.builder.pk, "5100000"),
                (district.builder_b.pk, "5090000"),
                (district.builder_c.pk, "5300000"),
            ],
            winner_id=district.builder_b.pk,
            reason="评标第一",
        )
