"""Choosing the contractor: direct award, the verifiable lottery, the tender; contract filing."""

import hashlib
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import CreditStatus
from accounts.models import Organisation
from approvals import services
from approvals.lottery import combined_seed, lottery_pick
from approvals.models import Lottery
from approvals.tests.helpers import approved_general, approved_major, contract_data, reveal_both
from core.errors import ApplicationError, ConflictError
from projects.choices import ProcurementMethod, ProjectStatus, Tier
from projects.models import Contract
from projects.tests.factories import make_project, ready_to_start

pytestmark = pytest.mark.django_db


def _blacklist(org):
    # The credit service (performance issue) writes this field; its readers are what we test.
    Organisation.objects.filter(pk=org.pk).update(credit_status=CreditStatus.BLACKLISTED)


def test_direct_award_for_a_simple_project_records_the_reason(district):
    project = make_project(district.street_zhenhai, transitions=("file",))
    with pytest.raises(ValidationError):
        services.direct_award(
            actor=district.street_zhenhai,
            project_id=project.pk,
            contractor_id=district.builder.pk,
            reason=" ",
        )
    award = services.direct_award(
        actor=district.street_zhenhai,
        project_id=project.pk,
        contractor_id=district.builder.pk,
        reason="应急抢修，就近委托",
    )
    project.refresh_from_db()
    assert (project.status, project.contractor, project.procurement_method) == (
        ProjectStatus.PROCUREMENT,
        district.builder,
        ProcurementMethod.DIRECT,
    )
    assert award.reason == "应急抢修，就近委托"


def test_lottery_recomputed_from_the_published_reveals_gives_the_recorded_winner(district):
    """Issue #14 point 4: the winner follows from both parties' reveals; before the last reveal
    the API shows commitments and the platform's hash, never a secret; afterwards the printed
    command recomputes the recorded winner from the published values alone."""
    project = approved_general(district)
    lottery = services.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    api = APIClient()
    api.force_authenticate(district.discipline)
    url = f"/api/v1/projects/{project.pk}/lottery/"
    before = api.get(url).json()
    assert before["seed"] is None and before["seed_hash"] == lottery.seed_hash
    secret = "纪检的口令"
    commitment = hashlib.sha256(secret.encode()).hexdigest()
    assert api.post(url + "commit/", {"commitment": commitment}).status_code == 200
    # a reveal before every party has committed would let a later party steer the result
    refused = api.post(url + "reveal/", {"secret": secret})
    assert refused.status_code == 409
    dept_secret = "住建局的口令"
    services.lottery_commit(
        actor=district.dept,
        project_id=project.pk,
        commitment=hashlib.sha256(dept_secret.encode()).hexdigest(),
    )
    with pytest.raises(ConflictError):  # not drawn before every reveal (or the deadline)
        services.lottery_draw(actor=district.dept, project_id=project.pk)
    wrong = api.post(url + "reveal/", {"secret": "别的口令"})
    assert wrong.status_code == 400
    assert api.post(url + "reveal/", {"secret": secret}).status_code == 200
    middle = api.get(url).json()
    assert [c["reveal"] for c in middle["contributions"]] == [None, secret]
    services.lottery_reveal(actor=district.dept, project_id=project.pk, secret=dept_secret)

    services.lottery_draw(actor=district.expert, project_id=project.pk)
    after = api.get(url).json()
    reveals = [c["reveal"] for c in after["contributions"]]
    assert reveals == [dept_secret, secret] and after["replaced"] == []
    # What anyone can do with the published facts:
    for c in after["contributions"]:
        assert hashlib.sha256(c["reveal"].encode()).hexdigest() == c["commitment"]
    seed = hashlib.sha256("|".join(reveals).encode()).hexdigest()
    assert seed == after["draw_seed"]
    codes = [entry["credit_code"] for entry in after["shortlist"]]
    printed = subprocess.run(
        after["check_command"], shell=True, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert after["shortlist"][int(printed)]["id"] == after["winner"]
    digest = hashlib.sha256("|".join([seed, *codes]).encode()).hexdigest()
    assert after["shortlist"][int(digest, 16) % 2]["id"] == after["winner"]
    project.refresh_from_db()
    assert project.contractor_id == after["winner"]
    assert project.procurement_method == ProcurementMethod.LIMITED


def test_any_one_partys_reveal_changes_the_winner():
    """Neither party alone, nor the server, decides: for a fixed reveal of one party, the
    other's choice moves the pick, both ways."""
    codes = ["91350304MA00000011", "91350304MA0000002X"]
    for fixed in ("住建局口令", "纪检口令"):
        picks = {
            lottery_pick(
                combined_seed([fixed, f"s{n}"] if fixed == "住建局口令" else [f"s{n}", fixed]),
                codes,
            )
            for n in range(40)
        }
        assert picks == {0, 1}


def test_a_party_that_does_not_reveal_in_time_is_replaced_by_the_platform(district):
    project = approved_general(district)
    lottery = services.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    dept_secret = "只有住建局揭示"
    services.lottery_commit(
        actor=district.dept,
        project_id=project.pk,
        commitment=hashlib.sha256(dept_secret.encode()).hexdigest(),
    )
    services.lottery_commit(
        actor=district.discipline,
        project_id=project.pk,
        commitment=hashlib.sha256(b"never told").hexdigest(),
    )
    services.lottery_reveal(actor=district.dept, project_id=project.pk, secret=dept_secret)
    for actor in (district.street_zhenhai, district.contractor, district.finance):
        with pytest.raises((PermissionDenied, Http404)):
            services.lottery_commit(actor=actor, project_id=project.pk, commitment="0" * 64)
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        drawn = services.lottery_draw(actor=district.dept, project_id=project.pk)
    assert drawn.replaced == ["discipline"]
    assert drawn.draw_seed == combined_seed([dept_secret, lottery.seed])
    codes = [entry["credit_code"] for entry in drawn.shortlist]
    assert drawn.shortlist[lottery_pick(drawn.draw_seed, codes)]["id"] == drawn.winner_id


def test_lottery_pick_is_stable_and_uses_both_outcomes():
    codes = ["91350304MA00000011", "91350304MA0000002X"]
    assert lottery_pick("a" * 64, codes) == lottery_pick("a" * 64, codes)
    assert {lottery_pick(f"{n:064x}", codes) for n in range(40)} == {0, 1}


def test_lottery_needs_two_different_eligible_contractors(district):
    project = approved_general(district)
    for ids in ([district.builder.pk], [district.builder.pk, district.builder.pk]):
        with pytest.raises(ValidationError):
            services.lottery_shortlist(
                actor=district.dept, project_id=project.pk, contractor_ids=ids
            )
    _blacklist(district.builder_b)
    with pytest.raises(ApplicationError) as caught:
        services.lottery_shortlist(
            actor=district.dept,
            project_id=project.pk,
            contractor_ids=[district.builder.pk, district.builder_b.pk],
        )
    assert "黑名单" in caught.value.message
    assert not Lottery.objects.exists()


def test_a_company_blacklisted_after_the_shortlist_cannot_win_the_draw(district):
    project = approved_general(district)
    services.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    _blacklist(district.builder)
    _blacklist(district.builder_b)
    reveal_both(district, project.pk)
    with pytest.raises(ApplicationError):
        services.lottery_draw(actor=district.dept, project_id=project.pk)
    assert Lottery.objects.get().drawn_at is None


def test_street_staff_cannot_run_the_lottery(district):
    project = approved_general(district)
    with pytest.raises(PermissionDenied):
        services.lottery_shortlist(
            actor=district.street_zhenhai,
            project_id=project.pk,
            contractor_ids=[district.builder.pk, district.builder_b.pk],
        )


def test_tender_record_for_a_major_project(district):
    project = approved_major(district)
    bids = [
        (district.builder.pk, "655000"),
        (district.builder_b.pk, "649000.50"),
        (district.builder_c.pk, "671000"),
    ]
    with pytest.raises(ValidationError):
        services.tender_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            notice_date="2026-12-01",
            bids=bids[:2],
            winner_id=district.builder_b.pk,
            reason="最低价中标",
        )
    with pytest.raises(ValidationError):
        services.tender_record(
            actor=district.street_zhenhai,
            project_id=project.pk,
            notice_date="2026-12-01",
            bids=bids,
            winner_id=district.super_org.pk,
            reason="x",
        )
    tender = services.tender_record(
        actor=district.street_zhenhai,
        project_id=project.pk,
        notice_date="2026-12-01",
        bids=bids,
        winner_id=district.builder_b.pk,
        reason="经评标委员会评审",
    )
    assert [b.amount for b in tender.bids.all()] == [
        Decimal("649000.50"),
        Decimal("655000.00"),
        Decimal("671000.00"),
    ]
    project.refresh_from_db()
    assert (project.contractor, project.procurement_method) == (
        district.builder_b,
        ProcurementMethod.OPEN,
    )


def test_procurement_methods_belong_to_their_tier(district):
    general = approved_general(district)
    with pytest.raises(ConflictError):
        services.direct_award(
            actor=district.street_zhenhai,
            project_id=general.pk,
            contractor_id=district.builder.pk,
            reason="图省事",
        )


def _to_contract_stage(district):
    project = approved_general(district)
    services.lottery_shortlist(
        actor=district.dept,
        project_id=project.pk,
        contractor_ids=[district.builder.pk, district.builder_b.pk],
    )
    reveal_both(district, project.pk)
    return project, services.lottery_draw(actor=district.dept, project_id=project.pk).winner


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ("safety_officer", "专职安全员"),
        ("quality_inspector", "质检员"),
        ("site_supervisor", "现场监理"),
        ("project_manager", "项目经理"),
    ],
)
def test_contract_is_refused_naming_the_missing_person(district, missing, words):
    project, winner = _to_contract_stage(district)
    with pytest.raises(ValidationError) as caught:
        services.contract_file(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data=contract_data(district, company=winner, **{missing: None}),
        )
    assert words in " ".join(caught.value.message_dict[missing])
    assert not Contract.objects.exists()


def test_staff_of_another_company_do_not_count(district):
    project, winner = _to_contract_stage(district)
    other = district.builder_c
    data = contract_data(
        district, company=winner, safety_officer=district.staff[(other.name, "safety_officer")].pk
    )
    with pytest.raises(ValidationError) as caught:
        services.contract_file(actor=district.street_zhenhai, project_id=project.pk, data=data)
    assert "safety_officer" in caught.value.message_dict


def test_retention_above_3_percent_is_refused(district):
    project, winner = _to_contract_stage(district)
    with pytest.raises(ValidationError) as caught:
        services.contract_file(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data=contract_data(district, company=winner, retention_rate=Decimal("0.05")),
        )
    assert "3%" in caught.value.message_dict["retention_rate"][0]


def test_contract_then_start_work(district):
    project, winner = _to_contract_stage(district)
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, company=winner),
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.CONTRACTED
    assert project.supervision_unit == district.super_org
    ready_to_start(project)
    project = services.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="start_work"
    )
    assert project.status == ProjectStatus.IN_PROGRESS


def test_contractors_and_supervisors_see_their_projects_only(district):
    from projects.permissions import projects_visible_to

    project, winner = _to_contract_stage(district)
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, company=winner),
    )
    from accounts.choices import Role
    from accounts.tests.factories import UserFactory

    loser = district.builder_b if winner == district.builder else district.builder
    winner_user = UserFactory(organisation=winner, role=Role.CONTRACTOR)
    loser_user = UserFactory(organisation=loser, role=Role.CONTRACTOR)
    assert list(projects_visible_to(winner_user)) == [project]
    assert list(projects_visible_to(loser_user)) == []
    assert list(projects_visible_to(district.supervisor)) == [project]


def test_a_contract_amount_above_the_tier_escalates(district):
    project, winner = _to_contract_stage(district)
    services.contract_file(
        actor=district.street_zhenhai,
        project_id=project.pk,
        data=contract_data(district, company=winner, amount="510000"),
    )
    project.refresh_from_db()
    assert (project.tier, project.escalated_to) == (Tier.MAJOR, Tier.MAJOR)
    assert project.escalation_steps == ["fiscal", "drc"]


def test_blank_or_bad_ids_are_missing_choices_not_errors(district):
    project, winner = _to_contract_stage(district)
    with pytest.raises(ValidationError) as caught:
        services.contract_file(
            actor=district.street_zhenhai,
            project_id=project.pk,
            data={
                **contract_data(district, company=winner),
                "supervision_unit": "",
                "project_manager": "abc",
                "safety_officer": None,
            },
        )
    assert {"supervision_unit", "project_manager", "safety_officer"} <= set(
        caught.value.message_dict
    )
    with pytest.raises(ValidationError):
        services.direct_award(
            actor=district.street_zhenhai,
            project_id=make_project(district.street_zhenhai, transitions=("file",)).pk,
            contractor_id="",
            reason="x",
        )
