"""Warnings (预警, docs/rules.md §9): the nightly job finds every current cause, keeps one Warning per
cause key (however many runs see it), delivers it to the responsible people, resolves what has
gone away, and mails new deliveries after commit."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.models import User
from approvals import routes
from core.dates import local_date
from core.locks import advisory_lock
from core.models import AuditEvent
from core.money import format_yuan
from core.outbox import enqueue
from inspections.choices import ItemStatus
from inspections.ledger import warning_colour
from inspections.models import PatrolViolation, RectificationItem
from projects.choices import (
    PaymentStatus,
    ProjectStatus,
    ProjectStop,
    WarningLevel,
)
from projects.events import ProjectEvents
from projects.funds import (
    STAGNANT_DAYS,
    payment_review_due,
    retention_due_list,
    stagnant_funds_projects,
)
from projects.models import Payment, Project
from ratings.rules import low_rated, thresholds

from .choices import WarningKind
from .events import warnings_refreshed_event
from .models import CompanyScore, ScoringPeriod, Warning, WarningRecipient
from .schedule import late_projects

PATROL_WINDOW_DAYS = 14
FUNDS_WINDOW_DAYS = 90
RETENTION_NOTICE_DAYS = 30
LEVEL_ORDER: dict[str, int] = {WarningLevel.BLUE: 0, WarningLevel.YELLOW: 1, WarningLevel.RED: 2}

TEXTS: dict[str, Promise] = {
    WarningKind.REVIEW_OVERDUE: gettext_lazy(
        "项目“%(project)s”在“%(step)s”环节已超过 %(days)d 个工作日时限（应于 %(due)s 前办结）。"
    ),
    WarningKind.LEDGER: gettext_lazy("整改事项“%(problem)s”整改时限 %(deadline)s。"),
    WarningKind.PATROL_MISSING: gettext_lazy(
        "项目“%(project)s”近 %(window)d 天缺少每日巡查记录 %(n)d 天。"
    ),
    WarningKind.LOW_RATING: gettext_lazy(
        "项目“%(project)s”群众评价平均分 %(mean)s（%(n)d 条），低于 %(limit)d 分。"
    ),
    WarningKind.LOW_SCORE: gettext_lazy(
        "%(organisation)s 在 %(quarter)s 绩效排名中位列末位（%(rank)s/%(of)s，得分 %(score)s）。"
    ),
    WarningKind.FUNDS: gettext_lazy("项目“%(project)s”：%(what)s"),
    WarningKind.RETENTION: gettext_lazy(
        "项目“%(project)s”质保金将于 %(due)s 到期返还，请及时办理。"
    ),
    WarningKind.STOPPED: gettext_lazy("项目“%(project)s”已停工：%(reason)s"),
    WarningKind.LATE: gettext_lazy(
        "项目“%(project)s”已超过计划完工日期（%(end)s）%(days)d 天，尚未完工。"
    ),
    WarningKind.RETURNED: gettext_lazy("项目“%(project)s”被退回修改：%(reason)s"),
    WarningKind.REFUSED: gettext_lazy("项目“%(project)s”不予立项：%(reason)s"),
    WarningKind.PAYMENT_RETURNED: gettext_lazy(
        "项目“%(project)s”第 %(payment)s 号请款（%(amount)s 元）被退回：%(reason)s"
    ),
}
FUND_TEXTS: dict[str, Promise] = {
    "noncompliant": gettext_lazy("第 %(payment)s 号拨付不合规（特批或疑似拆分支付）。"),
    "stagnant": gettext_lazy("验收已满 %(days)d 天，仍有已审核未支付的款项（资金沉淀）。"),
}


def warning_text(warning: Warning) -> str:
    params = dict(warning.params)
    if warning.kind == WarningKind.FUNDS:
        params["what"] = str(FUND_TEXTS[params["rule"]]) % params
    try:
        return str(TEXTS[warning.kind]) % params
    except (KeyError, TypeError, ValueError):
        return warning.get_kind_display()


@dataclass
class Cause:
    key: str
    kind: str
    level: str
    params: dict
    url: str = ""
    project_id: int | None = None
    organisation_id: int | None = None
    recipients: set[int] = field(default_factory=set)


class People:
    """Active users by organisation and by role, read once per run."""

    def __init__(self):
        self.by_org: dict[int, set[int]] = defaultdict(set)
        self.by_role: dict[str, set[int]] = defaultdict(set)
        self.by_org_role: dict[tuple[int, str], set[int]] = defaultdict(set)
        for pk, org, role in User.objects.filter(is_active=True).values_list(
            "pk", "organisation_id", "role"
        ):
            self.by_org[org].add(pk)
            self.by_role[role].add(pk)
            self.by_org_role[(org, role)].add(pk)

    def of(self, org_id, role=None) -> set[int]:
        if org_id is None:
            return set()
        return set(self.by_org_role[(org_id, role)] if role else self.by_org[org_id])

    def role(self, role) -> set[int]:
        return set(self.by_role[role])


def _project_url(project_id: int) -> str:
    return reverse("projects:detail", args=[project_id])


def _review_causes(today: date, people: People) -> list[Cause]:
    causes = []
    for project in Project.objects.filter(
        status__in=routes.table().waiting_states(), status_changed_at__isnull=False
    ):
        due = project.review_due_date
        if due is None or today < due:
            continue
        level = WarningLevel.RED if today > due else WarningLevel.YELLOW
        step = routes.step_of(project)
        if step is None:  # a due date means a step is waited at; nothing to warn otherwise
            continue
        causes.append(
            Cause(
                key=f"review_overdue:{project.pk}:{project.status}:{project.status_changed_at:%Y%m%d}",
                kind=WarningKind.REVIEW_OVERDUE,
                level=level,
                project_id=project.pk,
                url=_project_url(project.pk),
                params={
                    "project": project.name,
                    "step": str(project.get_status_display()),
                    "days": step.limit_working_days,
                    "due": due.isoformat(),
                },
                recipients=people.role(step.role) | {project.created_by_id},
            )
        )
    return causes


def _payment_review_causes(today: date, people: People) -> list[Cause]:
    """A payment request not reviewed within its limit (5 working days, shorter for a contractor
    on the red list: projects/funds.py payment_review_due): yellow on its last day, red after,
    to the finance officers and the organisation that asked."""
    causes = []
    for payment in Payment.objects.filter(status=PaymentStatus.REQUESTED).select_related(
        "contract__contractor", "project", "requested_by"
    ):
        due, days, _shortened = payment_review_due(payment)
        if today < due:
            continue
        causes.append(
            Cause(
                key=f"payment_review:{payment.pk}",
                kind=WarningKind.REVIEW_OVERDUE,
                level=WarningLevel.RED if today > due else WarningLevel.YELLOW,
                project_id=payment.project_id,
                url=_project_url(payment.project_id),
                params={
                    "project": payment.project.name,
                    "step": _("第 %(n)s 号请款审核") % {"n": payment.pk},
                    "days": days,
                    "due": due.isoformat(),
                },
                recipients=people.role(Role.FINANCE_OFFICER)
                | people.of(payment.requested_by.organisation_id if payment.requested_by else None),
            )
        )
    return causes


def _ledger_causes(today: date, people: People) -> list[Cause]:
    causes = []
    for item in RectificationItem.objects.exclude(status=ItemStatus.CLOSED):
        colour = warning_colour(item, today)
        if colour is None:
            continue
        causes.append(
            Cause(
                key=f"ledger:{item.pk}",
                kind=WarningKind.LEDGER,
                level=colour,
                project_id=item.project_id,
                organisation_id=item.responsible_organisation_id,
                url=reverse("inspections:ledger"),
                params={"problem": item.problem[:60], "deadline": item.deadline.isoformat()},
                recipients=people.of(item.responsible_organisation_id)
                | ({item.opened_by_id} if item.opened_by_id else set()),
            )
        )
    return causes


def _patrol_causes(today: date, people: People) -> list[Cause]:
    rows = (
        PatrolViolation.objects.filter(
            withdrawn_at__isnull=True, day__gt=today - timedelta(days=PATROL_WINDOW_DAYS)
        )
        .values("project_id", "project__name", "project__street_id", "supervision_unit_id")
        .annotate(n=Count("id"))
    )
    return [
        Cause(
            key=f"patrol_missing:{r['project_id']}",
            kind=WarningKind.PATROL_MISSING,
            level=WarningLevel.RED if r["n"] >= 3 else WarningLevel.YELLOW,
            project_id=r["project_id"],
            organisation_id=r["supervision_unit_id"],
            url=_project_url(r["project_id"]),
            params={"project": r["project__name"], "n": r["n"], "window": PATROL_WINDOW_DAYS},
            recipients=people.of(r["supervision_unit_id"], Role.SUPERVISOR)
            | people.of(r["project__street_id"], Role.STREET_STAFF),
        )
        for r in rows
    ]


def _rating_causes(today: date, people: People) -> list[Cause]:
    """Low scores, as the residents' side's rule (ratings.rules) finds them."""
    below, _minimum = thresholds(today)
    low = low_rated(today=today)
    rows = [
        {**p, "mean": low[p["id"]].mean, "n": low[p["id"]].count}
        for p in Project.objects.filter(pk__in=list(low)).values(
            "id", "name", "street_id", "contractor_id"
        )
    ]
    return [
        Cause(
            key=f"low_rating:{r['id']}",
            kind=WarningKind.LOW_RATING,
            level=WarningLevel.YELLOW,
            project_id=r["id"],
            url=_project_url(r["id"]),
            params={
                "project": r["name"],
                "mean": f"{r['mean']:.1f}",
                "n": r["n"],
                "limit": below,
            },
            recipients=people.of(r["street_id"], Role.STREET_STAFF)
            | people.of(r["contractor_id"], Role.CONTRACTOR),
        )
        for r in rows
    ]


def _score_causes(people: People) -> list[Cause]:
    """Last in the latest scored quarter's ranking."""
    period = ScoringPeriod.objects.order_by("-starts_on").first()
    if period is None:
        return []
    return [
        Cause(
            key=f"low_score:{s.organisation_id}:{period.quarter}",
            kind=WarningKind.LOW_SCORE,
            level=WarningLevel.RED,
            organisation_id=s.organisation_id,
            url=reverse("performance:company", args=[period.quarter, s.organisation_id]),
            params={
                "organisation": s.organisation.name,
                "quarter": period.quarter,
                "rank": s.rank,
                "of": s.ranked_count,
                "score": str(s.score),
            },
            recipients=people.of(s.organisation_id) | people.role(Role.DISCIPLINE_OFFICER),
        )
        for s in CompanyScore.objects.filter(period=period, bottom=True).select_related(
            "organisation"
        )
    ]


def _fund_causes(today: date, people: People) -> list[Cause]:
    watchers = people.role(Role.FINANCE_OFFICER) | people.role(Role.DISCIPLINE_OFFICER)
    causes = [
        Cause(
            key=f"funds_noncompliant:{p['id']}",
            kind=WarningKind.FUNDS,
            level=WarningLevel.YELLOW,
            project_id=p["project_id"],
            url=_project_url(p["project_id"]),
            params={"project": p["project__name"], "rule": "noncompliant", "payment": p["id"]},
            recipients=watchers,
        )
        for p in Payment.objects.filter(
            compliant=False,
            status__in=(PaymentStatus.APPROVED, PaymentStatus.PAID),
            updated_at__gte=timezone.now() - timedelta(days=FUNDS_WINDOW_DAYS),
        ).values("id", "project_id", "project__name")
    ]
    stagnant = stagnant_funds_projects(today).values("id", "name")
    causes += [
        Cause(
            key=f"funds_stagnant:{p['id']}",
            kind=WarningKind.FUNDS,
            level=WarningLevel.YELLOW,
            project_id=p["id"],
            url=_project_url(p["id"]),
            params={"project": p["name"], "rule": "stagnant", "days": STAGNANT_DAYS},
            recipients=watchers,
        )
        for p in stagnant
    ]
    return causes


def _retention_causes(today: date, people: People) -> list[Cause]:
    """Retention falling due within 30 days (blue) or already due (yellow), until released."""
    causes = []
    for project, due in retention_due_list(today, within_days=RETENTION_NOTICE_DAYS):
        causes.append(
            Cause(
                key=f"retention:{project.pk}",
                kind=WarningKind.RETENTION,
                level=WarningLevel.YELLOW if due <= today else WarningLevel.BLUE,
                project_id=project.pk,
                url=_project_url(project.pk),
                params={"project": project.name, "due": due.isoformat()},
                recipients=people.role(Role.FINANCE_OFFICER)
                | people.of(project.contractor_id, Role.CONTRACTOR),
            )
        )
    return causes


def _stop_causes(people: People) -> list[Cause]:
    """Projects stopped by an escalation (docs/rules.md §2): past the scope ceiling a red warning
    for the 发改局 (the works belong in the centralised directory); a re-procurement a yellow one
    for the street office and the 住建局, who must tender."""
    causes = []
    for p in Project.objects.exclude(stopped_for="").values(
        "id", "name", "street_id", "stopped_for", "stop_reason"
    ):
        ceiling = p["stopped_for"] == ProjectStop.CEILING
        recipients = people.of(p["street_id"], Role.STREET_STAFF)
        recipients |= (
            people.role(Role.DRC_OFFICER) | people.role(Role.DISCIPLINE_OFFICER)
            if ceiling
            else people.role(Role.DEPT_REVIEWER)
        )
        causes.append(
            Cause(
                key=f"stopped:{p['id']}:{p['stopped_for']}",
                kind=WarningKind.STOPPED,
                level=WarningLevel.RED if ceiling else WarningLevel.YELLOW,
                project_id=p["id"],
                url=_project_url(p["id"]),
                params={"project": p["name"], "reason": p["stop_reason"]},
                recipients=recipients,
            )
        )
    return causes


def _late_causes(today: date, people: People) -> list[Cause]:
    """工期: late projects, to the street office, the 住建局 and the contractor."""
    return [
        Cause(
            key=f"late:{late.project_id}:{late.planned_end:%Y%m%d}",
            kind=WarningKind.LATE,
            level=late.level,
            project_id=late.project_id,
            organisation_id=late.contractor_id,
            url=_project_url(late.project_id),
            params={"project": late.name, "end": late.planned_end.isoformat(), "days": late.days},
            recipients=people.of(late.street_id, Role.STREET_STAFF)
            | people.role(Role.DEPT_REVIEWER)
            | people.of(late.contractor_id, Role.CONTRACTOR),
        )
        for late in late_projects(today).values()
    ]


# A refusal stays in the notification centre this long (a return, until it is resubmitted; a
# returned payment, until it is asked again).
REFUSAL_NOTICE_DAYS = 30
DECISION_KINDS = (WarningKind.RETURNED, WarningKind.REFUSED, WarningKind.PAYMENT_RETURNED)


def _last_comment(verb) -> Subquery:
    """The comment of the project's latest event of `verb` (the reason a reviewer gave)."""
    return Subquery(
        AuditEvent.objects.filter(
            object_type=Project._meta.label_lower,
            object_id=Cast(OuterRef("pk"), CharField()),
            verb=str(verb),
        )
        .order_by("-id")
        .values("comment")[:1]
    )


def _decision_causes(
    today: date, people: People, project_ids: list[int] | None = None
) -> list[Cause]:
    """Decisions the filer or the requester must act on (#16 point 2): a project returned for
    revision (until resubmitted) and a refusal (for 30 days) to the street office that filed it;
    a payment request returned by the finance bureau (until asked again, at most 30 days) to the
    organisation that asked."""
    projects = Project.objects.all()
    since = timezone.now() - timedelta(days=REFUSAL_NOTICE_DAYS)
    asked_again = Payment.objects.filter(
        contract_id=OuterRef("contract_id"), created_at__gt=OuterRef("created_at")
    )
    payments = Payment.objects.filter(status=PaymentStatus.RETURNED, updated_at__gte=since).exclude(
        Exists(asked_again)
    )
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
        payments = payments.filter(project_id__in=project_ids)
    decided = (
        projects.filter(
            Q(status=ProjectStatus.RETURNED)
            | Q(status=ProjectStatus.REJECTED, status_changed_at__gte=since)
        )
        .annotate(
            returned_why=_last_comment(ProjectEvents.RETURN_FOR_REVISION),
            refused_why=_last_comment(ProjectEvents.REJECT),
        )
        .values(
            "id", "name", "status", "street_id", "status_changed_at", "returned_why", "refused_why"
        )
    )
    causes = []
    for p in decided:
        returned = p["status"] == ProjectStatus.RETURNED
        causes.append(
            Cause(
                key=f"{'returned' if returned else 'refused'}:{p['id']}:"
                f"{p['status_changed_at']:%Y%m%d%H%M%S}",
                kind=WarningKind.RETURNED if returned else WarningKind.REFUSED,
                level=WarningLevel.YELLOW if returned else WarningLevel.BLUE,
                project_id=p["id"],
                url=_project_url(p["id"]),
                params={
                    "project": p["name"],
                    "reason": (p["returned_why"] if returned else p["refused_why"]) or "—",
                },
                recipients=people.of(p["street_id"], Role.STREET_STAFF),
            )
        )
    for pay in payments.values(
        "id",
        "project_id",
        "project__name",
        "amount",
        "return_reason",
        "requested_by__organisation_id",
    ):
        causes.append(
            Cause(
                key=f"payment-returned:{pay['id']}",
                kind=WarningKind.PAYMENT_RETURNED,
                level=WarningLevel.YELLOW,
                project_id=pay["project_id"],
                url=_project_url(pay["project_id"]),
                params={
                    "project": pay["project__name"],
                    "payment": pay["id"],
                    "amount": format_yuan(pay["amount"]),
                    "reason": pay["return_reason"] or "—",
                },
                recipients=people.of(pay["requested_by__organisation_id"]),
            )
        )
    return causes


def decision_notices_refresh(*, project_ids: list[int], actor=None) -> dict:
    """The decision notices of these projects only, at once after the decision (the nightly
    refresh keeps them too): new ones delivered, those whose cause is gone resolved."""
    today = local_date(timezone.now())
    causes = {c.key: c for c in _decision_causes(today, People(), project_ids)}
    scope = Warning.objects.filter(kind__in=DECISION_KINDS, project_id__in=project_ids)
    return _apply(causes, scope, today=today, actor=actor)


def current_causes(today: date) -> list[Cause]:
    people = People()
    return [
        *_review_causes(today, people),
        *_payment_review_causes(today, people),
        *_ledger_causes(today, people),
        *_patrol_causes(today, people),
        *_rating_causes(today, people),
        *_score_causes(people),
        *_fund_causes(today, people),
        *_retention_causes(today, people),
        *_stop_causes(people),
        *_late_causes(today, people),
        *_decision_causes(today, people),
    ]


def warnings_refresh(*, today: date | None = None, actor=None) -> dict:
    """Keep exactly one warning per current cause; resolve the rest; deliver and mail."""
    today = today or local_date(timezone.now())
    causes = {c.key: c for c in current_causes(today)}
    return _apply(causes, Warning.objects.all(), today=today, actor=actor)


def _apply(causes: dict[str, Cause], scope, *, today: date, actor=None) -> dict:
    """One warning per cause (created, or raised again); the open warnings of `scope` whose
    cause is gone resolved; deliveries made, and mailed after commit."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        advisory_lock("performance.warnings")
        existing = {
            w.cause_key: w
            for w in Warning.objects.select_for_update().filter(cause_key__in=list(causes))
        }
        created, raised = [], []
        for key, cause in causes.items():
            warning = existing.get(key)
            if warning is None:
                created.append(
                    Warning(
                        cause_key=key,
                        kind=cause.kind,
                        level=cause.level,
                        params=cause.params,
                        url=cause.url,
                        project_id=cause.project_id,
                        organisation_id=cause.organisation_id,
                    )
                )
                continue
            worse = LEVEL_ORDER[cause.level] > LEVEL_ORDER[warning.level]
            back = warning.resolved_at is not None
            if worse or back or warning.params != cause.params or warning.level != cause.level:
                warning.level, warning.params, warning.resolved_at = cause.level, cause.params, None
                warning.save(update_fields=["level", "params", "resolved_at", "updated_at"])
            if worse or back:
                raised.append(warning.pk)
        Warning.objects.bulk_create(created, batch_size=1000)
        ids = dict(
            Warning.objects.filter(cause_key__in=list(causes)).values_list("cause_key", "pk")
        )
        WarningRecipient.objects.bulk_create(
            [
                WarningRecipient(warning_id=ids[key], user_id=user)
                for key, cause in causes.items()
                for user in sorted(cause.recipients)
                if user
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        # Raised again or raised higher: unread again for everyone who has it.
        WarningRecipient.objects.filter(warning_id__in=raised).update(read_at=None, emailed_at=None)
        resolved = (
            scope.filter(resolved_at__isnull=True)
            .exclude(cause_key__in=list(causes))
            .update(resolved_at=now)
        )
        if created or raised or resolved:
            warnings_refreshed_event(
                actor=actor,
                day=today,
                after={
                    "created": sorted(w.cause_key for w in created),
                    "raised": len(raised),
                    "resolved": resolved,
                    "open": len(causes),
                },
            )
            enqueue("performance.tasks.warnings_send_email")
    return {
        "open": len(causes),
        "created": len(created),
        "raised": len(raised),
        "resolved": resolved,
    }


def warnings_send_email(limit: int = 500) -> int:
    """Mail each delivery once to users with an address; marks it so a re-run sends nothing."""
    sent = 0
    with transaction.atomic(durable=True):
        deliveries = list(
            WarningRecipient.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True, warning__resolved_at__isnull=True)
            .exclude(user__email="")
            .select_related("warning", "user")[:limit]
        )
        for delivery in deliveries:
            warning = delivery.warning
            send_mail(
                subject=_("【%(level)s】%(kind)s")
                % {"level": warning.get_level_display(), "kind": warning.get_kind_display()},
                message=warning_text(warning),
                from_email=None,
                recipient_list=[delivery.user.email],
            )
            delivery.emailed_at = timezone.now()
            sent += 1
        WarningRecipient.objects.bulk_update(deliveries, ["emailed_at"])
    return sent


def warning_mark_read(*, actor, delivery_ids: list[int] | None = None) -> int:
    """The user's own deliveries only; all of them when no ids are given."""
    rows = WarningRecipient.objects.filter(user=actor, read_at__isnull=True)
    if delivery_ids is not None:
        rows = rows.filter(pk__in=delivery_ids)
    return rows.update(read_at=timezone.now())
