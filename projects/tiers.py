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


def scope_refusal(amount: Decimal, policy) -> str | None:
    """Why an amount is no 零星工程 (docs/rules.md §2): at or above the policy's ceiling the works
    belong in the centralised management directory, with seed 002's bands named."""
    if amount < policy.scope_ceiling:
        return None
    return _(
        "金额 %(amount)s 元达到零星工程上限 %(ceiling)s 元，不属于零星工程：%(ceiling_wan)s 万元及以上的"
        "政府投资工程纳入政府工程集中管理目录，按集中管理程序立项、招标和监管"
        "（A 级：1 亿元以上；B 级：500 万元至 1 亿元；C 级：500 万元以下，可由区县统筹）。"
    ) % {
        "amount": f"{amount:,.2f}",
        "ceiling": f"{policy.scope_ceiling:,.2f}",
        "ceiling_wan": f"{policy.scope_ceiling / 10000:,.0f}",
    }


def policy_in_force(on: date):
    from .models import TierPolicy

    policy = TierPolicy.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if policy is None:
        raise ApplicationError(_("没有生效的分类分级标准，请联系平台管理员。"))
    return policy


def project_counting_amount(project) -> Decimal:
    """The largest of the amounts known for the project (docs/rules.md §2)."""
    return project.counting_amount()


def project_tier(project) -> Tier:
    return tier_for_amount(project_counting_amount(project), project.tier_policy)
