"""Reads of the residents' side: the policy in force, the public page's project and its
summary, what moderators and discipline officers see."""

from datetime import date, timedelta
from decimal import Decimal
from time import monotonic

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.dates import local_date
from inspections.models import Acceptance, LabTest, Photo
from projects.choices import PaymentStatus, ProjectStatus
from projects.models import Payment, Project
from projects.permissions import projects_visible_to

from .choices import RatingStatus
from .models import PhoneCheckRequirement, Rating, RatingPolicy, Report, Review

RATED_STATUSES = (
    ProjectStatus.COMPLETED,
    ProjectStatus.ACCEPTED,
    ProjectStatus.SETTLED,
    ProjectStatus.ARCHIVED,
)
PUBLIC_STATUSES = (
    ProjectStatus.APPROVED,
    ProjectStatus.PROCUREMENT,
    ProjectStatus.CONTRACTED,
    ProjectStatus.IN_PROGRESS,
    *RATED_STATUSES,
)


POLICY_TTL = 60


def current_policy(today: date) -> RatingPolicy:
    """The policy in force (cached a minute: it changes by admin decision, not per request)."""
    key = f"ratings:policy:{today}"
    policy = caches["process"].get(key)
    if policy is None:
        policy = RatingPolicy.objects.filter(effective_from__lte=today).first() or RatingPolicy(
            effective_from=date.min
        )
        caches["process"].set(key, policy, POLICY_TTL)
    return policy


def public_project(token: str) -> Project:
    """The project behind a QR code, once it is approved (a draft has nothing to show)."""
    project = (
        Project.objects.filter(public_token=token, status__in=PUBLIC_STATUSES)
        .select_related(
            "street",
            "contractor",
            "supervision_unit",
            "contract__project_manager",
            "contract__site_supervisor",
            "contract__safety_officer",
            "phone_check",
            "created_by",
        )
        .first()
    )
    if project is None:
        raise Http404
    return project


def public_disclosure(project: Project) -> dict:
    """阳光公示 in full, for the public page and the site sign alike (seed 000, 001): the current
    budget with its summary lines, the contract amount with approved changes, payments made,
    the third-party test results, the acceptance, who answers for the works, and the hotline.
    Amounts are read now, never copied (4 queries)."""
    contract = getattr(project, "contract", None)
    budget = project.approved_budget or project.reviewed_budget or project.budget_amount
    payments = list(
        Payment.objects.filter(project=project, status=PaymentStatus.PAID)
        .order_by("paid_on", "id")
        .only("amount", "paid_on", "stage")
    )
    lab_tests = list(
        LabTest.objects.filter(project=project)
        .select_related("lab")
        .only("pass_rate", "report_no", "created_at", "lab__name")
        .order_by("created_at")
    )
    acceptance = Acceptance.objects.filter(project=project).only("conclusion", "created_at").first()
    return {
        "budget": budget,
        "budget_lines": list(project.budget_lines.all()),
        "contract": contract,
        "contract_current": (contract.amount + contract.approved_changes_total)
        if contract
        else None,
        "payments": payments,
        "paid_total": sum((p.amount for p in payments), Decimal("0")),
        "lab_tests": lab_tests,
        "acceptance": acceptance,
        "street_contact": project.created_by.get_full_name() or project.created_by.username
        if project.created_by_id
        else "",
        "hotline": settings.SUPERVISION_HOTLINE,
    }


def phone_check_required(project: Project) -> bool:
    """The SMS phone check applies to every project (RATING_PHONE_CHECK) or to those the
    administrator switched on (PhoneCheckRequirement). Read from what public_project and
    public_project_facts fetched with the project: no query of its own there."""
    if settings.RATING_PHONE_CHECK:
        return True
    try:
        return project.phone_check.required
    except PhoneCheckRequirement.DoesNotExist:
        return False


FACTS_TTL = 30  # seconds: a project just completed opens for rating at most this late
FACTS_MAX = 5000  # projects remembered per process before it starts afresh
_FACTS = ("pk", "status", "completed_at", "street_id", "contractor_id")
# token, day → (expires, project, policy): built objects, kept as they are (a pickling cache
# would rebuild a 40-field model on every read: a sixth of the rating view under load).
_PHONE_CHECK = PhoneCheckRequirement._meta.get_field("project").remote_field
_public_facts: dict[tuple[str, date | None], tuple[float, Project, RatingPolicy | None]] = {}


def public_project_facts(token: str, today: date | None = None):
    """The same project with only what the rating and report forms need, kept for half a
    minute in the process: the residents' POSTs are the busiest path. The instance is shared
    by the requests of that half minute: read it, never change or save it.
    With `today`, also the policy in force."""
    key = (token, today)
    moment = monotonic()
    found = _public_facts.get(key)
    if found is None or found[0] < moment:
        facts = (
            Project.objects.filter(public_token=token, status__in=PUBLIC_STATUSES)
            .values_list(*_FACTS, "phone_check__required")
            .first()
        )
        if facts is None:
            raise Http404
        *fields, phone_check = facts
        project = Project(**dict(zip(("id", *_FACTS[1:]), fields, strict=True)))
        project.public_token = token
        # The per-project switch, cached on the instance as select_related would (None: no
        # switch), so that phone_check_required asks no query.
        _PHONE_CHECK.set_cached_value(
            project,
            None
            if phone_check is None
            else PhoneCheckRequirement(project_id=project.pk, required=phone_check),
        )
        if len(_public_facts) >= FACTS_MAX:
            _public_facts.clear()
        found = _public_facts[key] = (
            moment + FACTS_TTL,
            project,
            current_policy(today) if today else None,
        )
    return found[1] if today is None else (found[1], found[2])


def forget_public_facts() -> None:
    """Tests: start without what earlier requests of the process remembered."""
    _public_facts.clear()


def rating_window(project: Project, policy: RatingPolicy) -> tuple[date | None, date | None]:
    """From completion, for policy.open_days days (the last day included)."""
    if project.completed_at is None or project.status not in RATED_STATUSES:
        return None, None
    opens = local_date(project.completed_at)
    return opens, opens + timedelta(days=policy.open_days - 1)


def rating_summary(project_id: int) -> dict:
    """The counted mean and count (what the public and the rules see), and how many wait."""
    row = Rating.objects.filter(project_id=project_id).aggregate(
        mean=Avg("score", filter=Q(status=RatingStatus.COUNTED)),
        count=Count("id", filter=Q(status=RatingStatus.COUNTED)),
        held=Count("id", filter=Q(status=RatingStatus.HELD)),
    )
    return row


def public_photos(project: Project, limit: int = 6) -> list[Photo]:
    return list(
        Photo.objects.filter(project=project)
        .only("id", "project_id", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )


MODERATOR_ROLES = (Role.STREET_STAFF, Role.DISCIPLINE_OFFICER)


def may_moderate(user, project) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role == Role.DISCIPLINE_OFFICER:
        return True
    return user.role == Role.STREET_STAFF and user.organisation_id == project.street_id


def held_ratings(*, user) -> QuerySet[Rating]:
    """Ratings waiting for a moderator: the street's own projects, or all for discipline."""
    ratings = Rating.objects.filter(status=RatingStatus.HELD).select_related("project")
    if user.role == Role.DISCIPLINE_OFFICER:
        return ratings.order_by("project_id", "network", "created_at")
    if user.role == Role.STREET_STAFF and user.organisation_id:
        return ratings.filter(project__street_id=user.organisation_id).order_by(
            "project_id", "network", "created_at"
        )
    return ratings.none()


def report_list(*, user) -> QuerySet[Report]:
    reports = Report.objects.select_related("project", "ledger_item")
    if user.role == Role.DISCIPLINE_OFFICER:
        return reports
    return reports.filter(project__in=projects_visible_to(user))


REWARD_READERS = (Role.DISCIPLINE_OFFICER, Role.FINANCE_OFFICER)


def access_report(user, report_id) -> Report:
    """A report as the staff who may read reports see it (as report_list)."""
    if user.role not in (Role.DISCIPLINE_OFFICER, Role.STREET_STAFF):
        raise PermissionDenied
    report = (
        report_list(user=user).select_related("concluded_by", "rewarded_by").filter(pk=report_id)
    ).first()
    if report is None:
        raise Http404
    return report


def report_status(reference: str) -> dict | None:
    """What a resident may learn of a report by its reference: when it was received, how far
    it has gone, the conclusion, whether a reward was granted. No text, no contact."""
    report = (
        Report.objects.filter(reference=reference)
        .select_related("ledger_item")
        .only("reference", "created_at", "outcome", "reward_amount", "ledger_item__status")
        .first()
    )
    if report is None:
        return None
    item_status = report.ledger_item.status
    if report.outcome:
        stage = _("已办结")
    elif item_status == "open":
        stage = _("已受理，待核查")
    else:
        stage = _("核查处理中")
    return {
        "reference": report.reference,
        "received": local_date(report.created_at),
        "stage": stage,
        "outcome": report.get_outcome_display() if report.outcome else "",
        "rewarded": report.reward_amount is not None,
    }


def reward_list() -> QuerySet[Report]:
    return (
        Report.objects.filter(reward_amount__isnull=False)
        .select_related("project", "rewarded_by")
        .order_by("-reward_paid_on", "-id")
    )


def access_review(user, review_id) -> Review:
    review = (
        Review.objects.filter(pk=review_id, project__in=projects_visible_to(user))
        .only("pk", "project_id")
        .first()
    )
    if review is None:
        raise Http404
    return review
