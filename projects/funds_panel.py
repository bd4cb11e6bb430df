"""The funds section of the project page: money at a glance, requests, finance's actions."""

from accounts.choices import Role

from . import funds
from .choices import PaymentStage, ProjectStatus
from .models import Payment
from .rules import is_project_contractor, is_street_staff_of
from .services import project_counting_budget


def funds_panel(request, project):
    contract = getattr(project, "contract", None)
    if contract is None:
        return None
    user = request.user
    money = funds.money_at_a_glance(project, contract)
    payments = list(Payment.objects.filter(contract=contract).select_related("requested_by"))
    warnings = [
        w
        for w in (
            funds.late_payment_warning(project, contract, money.paid),
            funds.stagnant_funds_warning(project, contract),
            funds.split_payment_warning(contract),
            funds.retention_due_warning(project, contract),
        )
        if w
    ]
    settlement = getattr(project, "settlement", None)
    ceiling = money.ceiling or 1
    return "projects/_funds_panel.html", {
        "project": project,
        "contract": contract,
        "money": money,
        "payments": payments,
        "warnings": warnings,
        "settlement": settlement,
        "bar": {
            "paid": money.paid * 100 / ceiling,
            "committed": (money.committed - money.paid) * 100 / ceiling,
            "work": money.work_value * 100 / ceiling,
        },
        "can_request": project.status != ProjectStatus.DRAFT
        and (is_project_contractor(project, user) or is_street_staff_of(project, user)),
        "is_finance": user.role == Role.FINANCE_OFFICER,
        "can_settle": user.role == Role.FINANCE_OFFICER
        and project.status == ProjectStatus.ACCEPTED,
        "settlement_audited": project.settlement_audited(),
        "stages": PaymentStage.choices,
        "over_budget": settlement is not None
        and settlement.amount > project_counting_budget(project),
    }
