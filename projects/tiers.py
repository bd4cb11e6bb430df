"""The tier rule (docs/rules.md §2): the tier is derived from the amount that counts, never chosen."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .choices import Tier


def tier_for_amount(amount: Decimal, policy) -> Tier:
    """Boundaries belong to the higher tier: general_from is 一般类, major_from is 重大类."""
    if amount >= policy.major_from:
        return Tier.MAJOR
    if amount >= policy.general_from:
        return Tier.GENERAL
    return Tier.SIMPLE


def policy_in_force(on: date):
    from .models import TierPolicy

    policy = TierPolicy.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if policy is None:
        raise ApplicationError(_("没有生效的分类分级标准，请联系平台管理员。"))
    return policy


def project_counting_amount(project) -> Decimal:
    """The largest of the amounts known for the project (docs/rules.md §2)."""
    amounts = [project.budget_amount, project.reviewed_budget, project.approved_budget]
    contract = getattr(project, "contract", None) if project.pk else None
    if contract is not None:
        amounts += [contract.amount, contract.amount + contract.approved_changes_total]
    return max(a for a in amounts if a is not None)


def project_tier(project) -> Tier:
    return tier_for_amount(project_counting_amount(project), project.tier_policy)
