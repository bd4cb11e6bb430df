"""The performance and credit policy in force on a day (effective-dated, admin-editable)."""

from datetime import date

from .models import PerformancePolicy


def policy_in_force(day: date) -> PerformancePolicy:
    """The newest row whose start has come, or the defaults when none has been entered."""
    policy = PerformancePolicy.objects.filter(effective_from__lte=day).first()
    return policy or PerformancePolicy(effective_from=date.min)


def weights_of(policy: PerformancePolicy) -> dict:
    return {
        "quality": policy.weight_quality,
        "satisfaction": policy.weight_satisfaction,
        "funds": policy.weight_funds,
        "schedule": policy.weight_schedule,
        "budget": policy.weight_budget,
        "min_projects": policy.min_projects,
        "min_checks": policy.min_checks,
        "bottom_share": str(policy.bottom_share),
        "policy_from": None if policy.pk is None else policy.effective_from.isoformat(),
    }
