"""示范项目: each year the ten best projects accepted that year are proposed, with the figures
they were chosen on (the quarterly formula applied to each project's whole record)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.errors import ConflictError
from core.locks import advisory_lock
from core.periods import day_start
from projects.choices import PaymentStatus
from projects.models import Project
from ratings.choices import RatingStatus
from ratings.rules import thresholds

from .events import demonstration_decided_event, demonstration_proposed_event
from .models import DemonstrationProposal
from .policies import policy_in_force
from .scoring import figures

TOP = 10


def demonstration_candidates(year: int) -> list[dict]:
    """Projects accepted in the year with enough counted ratings, best first."""
    policy = policy_in_force(date(year, 1, 1))
    _below, min_ratings = thresholds(date(year, 12, 31))
    rows = (
        Project.objects.filter(
            accepted_at__gte=day_start(date(year, 1, 1)),
            accepted_at__lt=day_start(date(year + 1, 1, 1)),
        )
        .annotate(
            n_checks=Count("spot_checks", distinct=True),
            n_passed=Count("spot_checks", filter=Q(spot_checks__passed=True), distinct=True),
        )
        .values("id", "code", "name", "n_checks", "n_passed")
    )
    by_id = {r["id"]: r for r in rows}
    labs = dict(
        Project.objects.filter(pk__in=by_id)
        .annotate(n=Count("lab_tests"), s=Sum("lab_tests__pass_rate"))
        .values_list("pk", "n")
    )
    lab_sum = dict(
        Project.objects.filter(pk__in=by_id)
        .annotate(s=Sum("lab_tests__pass_rate"))
        .values_list("pk", "s")
    )
    ratings = {
        r["pk"]: r
        for r in Project.objects.filter(pk__in=by_id)
        .annotate(
            n=Count("ratings", filter=Q(ratings__status=RatingStatus.COUNTED)),
            s=Sum("ratings__score", filter=Q(ratings__status=RatingStatus.COUNTED)),
        )
        .values("pk", "n", "s")
    }
    pays = {
        r["pk"]: r
        for r in Project.objects.filter(pk__in=by_id)
        .annotate(
            n=Count("payments", filter=Q(payments__status=PaymentStatus.PAID)),
            ok=Count(
                "payments", filter=Q(payments__status=PaymentStatus.PAID, payments__compliant=True)
            ),
        )
        .values("pk", "n", "ok")
    }
    out = []
    for pid, row in by_id.items():
        if ratings[pid]["n"] < max(1, min_ratings):
            continue
        fig = figures(
            spot_checks=row["n_checks"],
            spot_checks_passed=row["n_passed"],
            lab_tests=labs[pid],
            lab_rate_sum=lab_sum[pid] or 0,
            ratings=ratings[pid]["n"],
            rating_sum=ratings[pid]["s"] or 0,
            payments=pays[pid]["n"],
            payments_compliant=pays[pid]["ok"],
            policy=policy,
        )
        if fig.score is None:
            continue
        out.append(
            {
                "project_id": pid,
                "code": row["code"],
                "name": row["name"],
                "score": fig.score,
                "figures": {
                    "quality_rate": None if fig.quality_rate is None else str(fig.quality_rate),
                    "satisfaction": None if fig.satisfaction is None else str(fig.satisfaction),
                    "funds_rate": None if fig.funds_rate is None else str(fig.funds_rate),
                    "spot_checks": row["n_checks"],
                    "lab_tests": labs[pid],
                    "ratings": ratings[pid]["n"],
                    "payments": pays[pid]["n"],
                },
            }
        )
    out.sort(key=lambda c: (-c["score"], c["project_id"]))
    return out


def demonstration_propose(*, year: int, actor=None) -> list[DemonstrationProposal]:
    """Replace the year's proposal with the current best ten; audited when it changes. Once
    the 住建局 has decided the year, the proposal stands as it was decided on."""
    chosen = demonstration_candidates(year)[:TOP]
    with transaction.atomic(durable=True):
        advisory_lock(f"performance.demonstration:{year}")
        decided = DemonstrationProposal.objects.filter(year=year, selected_at__isnull=False)
        if decided.exists():
            return list(DemonstrationProposal.objects.filter(year=year).order_by("rank"))
        before = list(
            DemonstrationProposal.objects.filter(year=year)
            .order_by("rank")
            .values_list("project_id", flat=True)
        )
        DemonstrationProposal.objects.filter(year=year).delete()
        rows = DemonstrationProposal.objects.bulk_create(
            DemonstrationProposal(
                year=year,
                rank=n,
                project_id=c["project_id"],
                score=c["score"],
                figures=c["figures"],
            )
            for n, c in enumerate(chosen, start=1)
        )
        after = [c["project_id"] for c in chosen]
        if after != before:
            demonstration_proposed_event(
                actor=actor,
                year=year,
                before={"projects": before},
                after={"projects": after, "scores": [str(c["score"]) for c in chosen]},
            )
    return rows


def demonstration_decide(
    *, actor, year: int, project_ids: list[int], note: str = ""
) -> list[DemonstrationProposal]:
    """The 住建局 names the year's 示范项目 from the proposal: published on the public pages
    and listed among the contractor's honours in its credit record (docs/rules.md §8)."""
    if actor.role != Role.DEPT_REVIEWER:
        raise PermissionDenied
    chosen = sorted(set(project_ids))
    if not chosen:
        raise ValidationError({"projects": _("请至少选择一个示范项目。")})
    with transaction.atomic(durable=True):
        advisory_lock(f"performance.demonstration:{year}")
        proposals = {
            p.project_id: p
            for p in DemonstrationProposal.objects.select_for_update().filter(year=year)
        }
        if any(p.selected_at for p in proposals.values()):
            raise ConflictError(_("%(year)s 年度示范项目已经评定。") % {"year": year})
        if not set(chosen) <= set(proposals):
            raise ValidationError({"projects": _("只能从该年度推荐名单中评定。")})
        now = timezone.now()
        for pid in chosen:
            proposal = proposals[pid]
            proposal.selected_at, proposal.selected_by = now, actor
            proposal.decision_note = note.strip()[:300]
            proposal.save(update_fields=["selected_at", "selected_by", "decision_note"])
        Project.objects.filter(pk__in=chosen).update(demonstration_year=year)
        demonstration_decided_event(
            actor=actor,
            year=year,
            after={"projects": chosen, "note": note.strip()[:300]},
        )
    return [proposals[pid] for pid in chosen]
