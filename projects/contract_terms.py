"""The terms every contract keeps, as plain numbers and predicates low enough for the models'
constraints to read: retention and the defect-liability period (建质〔2017〕138号), and the
cumulative change that counts as large (docs/rules.md §5). Texts that quote these figures ("3%",
"10%") are checked against them by tests/test_contract_terms.py."""

from decimal import Decimal

from django.db.models import Q

# 质保金: 3% unless agreed lower, never above 3% of the settlement.
RETENTION_DEFAULT = Decimal("0.0300")
RETENTION_CAP = Decimal("0.03")
# 缺陷责任期: a year unless agreed otherwise, at most two, from acceptance.
DEFECT_PERIOD_DEFAULT_MONTHS = 12
DEFECT_PERIOD_MAX_MONTHS = 24
# 设计变更: approved changes adding up to more than this share of the contract are flagged.
LARGE_CHANGE_SHARE = Decimal("0.10")

# The same rules as database conditions (Contract's check constraints).
RETENTION_RATE_ALLOWED = Q(retention_rate__gte=0, retention_rate__lte=RETENTION_CAP)
DEFECT_PERIOD_ALLOWED = Q(
    defect_period_months__gte=1, defect_period_months__lte=DEFECT_PERIOD_MAX_MONTHS
)


def retention_rate_allowed(rate) -> bool:
    """0 ≤ rate ≤ 3% (a number, a Decimal or its text); None is not a rate."""
    if rate is None:
        return False
    return Decimal("0") <= Decimal(str(rate)) <= RETENTION_CAP


def retention_rate_applied(rate: Decimal) -> Decimal:
    """The rate the payment rules hold back: the contract's, never more than the cap."""
    return min(rate, RETENTION_CAP)


def change_share(changes_total: Decimal, contract_amount: Decimal) -> Decimal:
    """The approved changes as a share of the contract, whichever way they go."""
    return abs(changes_total) / contract_amount if contract_amount else Decimal("0")


def is_large_change(changes_total: Decimal | None, contract_amount: Decimal | None) -> bool:
    """A cumulative change over 10% of the contract, up or down (docs/rules.md §5)."""
    if not contract_amount or changes_total is None:
        return False
    return change_share(changes_total, contract_amount) > LARGE_CHANGE_SHARE
