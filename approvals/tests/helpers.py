"""Walk a project along its route through the services, as the people involved would."""

from datetime import date
from decimal import Decimal

from approvals import services
from projects.tests.factories import make_project


def approved_general(d, amount="120000", **kw):
    project = make_project(d.street_zhenhai, budget_amount=Decimal(amount), **kw)
    services.project_transition(actor=d.street_zhenhai, project_id=project.pk, name="submit")
    services.project_transition(actor=d.dept, project_id=project.pk, name="dept_approve")
    services.project_transition(actor=d.expert, project_id=project.pk, name="expert_approve")
    return services.project_transition(actor=d.drc, project_id=project.pk, name="drc_file")


def approved_major(d, amount="680000"):
    project = make_project(d.street_zhenhai, budget_amount=Decimal(amount))
    services.project_transition(actor=d.street_zhenhai, project_id=project.pk, name="submit")
    services.project_transition(actor=d.dept, project_id=project.pk, name="dept_approve")
    services.project_transition(actor=d.expert, project_id=project.pk, name="expert_approve")
    services.project_transition(
        actor=d.finance,
        project_id=project.pk,
        name="fiscal_approve",
        params={"approved_budget": amount},
    )
    return services.project_transition(actor=d.drc, project_id=project.pk, name="drc_approve")


def contract_data(d, amount="118000", company=None, **overrides):
    company = company or d.builder
    data = {
        "amount": amount,
        "start_date": date(2027, 1, 4),
        "end_date": date(2027, 3, 31),
        "retention_rate": Decimal("0.03"),
        "supervision_unit": d.super_org.pk,
        "project_manager": d.staff[(company.name, "project_manager")].pk,
        "safety_officer": d.staff[(company.name, "safety_officer")].pk,
        "quality_inspector": d.staff[(company.name, "quality_inspector")].pk,
        "site_supervisor": d.staff[(d.super_org.name, "site_supervisor")].pk,
    }
    data.update(overrides)
    return data


def contracted_general(d, contract_amount="118000", amount="120000"):
    project = approved_general(d, amount=amount)
    services.lottery_shortlist(
        actor=d.dept, project_id=project.pk, contractor_ids=[d.builder.pk, d.builder_b.pk]
    )
    reveal_both(d, project.pk)
    lottery = services.lottery_draw(actor=d.dept, project_id=project.pk)
    services.contract_file(
        actor=d.street_zhenhai,
        project_id=project.pk,
        data=contract_data(d, amount=contract_amount, company=lottery.winner),
    )
    project.refresh_from_db()
    return project


def reveal_both(d, project_id, secrets=("住建局口令-1", "纪检口令-1")):
    """The two parties of a draw commit and reveal (approvals/lottery.py), so it can be drawn."""
    import hashlib

    parties = (d.dept, d.discipline)
    for actor, secret in zip(parties, secrets, strict=True):
        services.lottery_commit(
            actor=actor,
            project_id=project_id,
            commitment=hashlib.sha256(secret.encode()).hexdigest(),
        )
    for actor, secret in zip(parties, secrets, strict=True):
        services.lottery_reveal(actor=actor, project_id=project_id, secret=secret)
