"""Leads (线索): a discipline officer takes up an anomaly row, works it through the preliminary
check (初核) to 立案 or 了结 with reasons, with notes and an assigned officer; every step one
audit event, seen by discipline officers only (docs/rules.md §9)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from core.dates import add_working_days, local_date
from core.errors import ConflictError

from .anomalies import ALL_TIME, KINDS, Period
from .choices import LeadStatus
from .events import lead_assigned_event, lead_decided_event, lead_noted_event, lead_opened_event
from .models import Lead, LeadNote, LeadPolicy
from .permissions import access_dashboards
from .rows import name_projects
from .snapshots import ShownRow, snapshot_row

# Without a policy in the admin: the preliminary check takes at most this many working days.
DEFAULT_PRELIMINARY_WORKING_DAYS = 30
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def preliminary_working_days(on) -> int:
    policy = LeadPolicy.objects.filter(effective_from__lte=on).first()
    return policy.preliminary_working_days if policy else DEFAULT_PRELIMINARY_WORKING_DAYS


def lead_open(
    *,
    actor,
    kind: str,
    row_key: str,
    projects: QuerySet,
    period: Period = ALL_TIME,
    region: int | None = None,
) -> tuple[Lead, bool]:
    """Take up the row `row_key` of the anomaly list `kind` (as the officer saw it, over
    `projects`, or kept for `region`'s view: dashboards/snapshots.py); the row's evidence is
    attached as it stands. Opening a row already taken up returns its lead (created False)
    instead of a second one."""
    access_dashboards(actor)
    anomaly = KINDS.get(kind)
    if anomaly is None:
        raise Http404
    existing = Lead.objects.filter(kind=kind, row_key=row_key).first()
    if existing is not None:
        return existing, False
    row = snapshot_row(kind, region, row_key) if region is not None else None
    if row is None:
        rows = anomaly.rows(projects, period)
        name_projects(rows)
        found = next((r for r in rows if r.key == row_key), None)
        row = ShownRow.of(found) if found is not None else None
    if row is None:
        raise ValidationError(_("该异常已不在列表中（数据已变化），请刷新后再试。"))
    today = local_date(timezone.now())
    try:
        with transaction.atomic(durable=True):
            lead = Lead.objects.create(
                reference=f"XS{today:%Y%m%d}-{get_random_string(5, REFERENCE_ALPHABET)}",
                kind=kind,
                kind_title=str(anomaly.title),
                row_key=row_key,
                project_id=row.project_id,
                rule=str(anomaly.rule),
                why=row.why,
                columns=[str(c) for c in anomaly.columns],
                cells=row.cells,
                evidence=[[label, url] for label, url in row.evidence],
                opened_by=actor,
                assigned_to=actor,
                due_on=add_working_days(today, preliminary_working_days(today)),
            )
            lead_opened_event(actor=actor, lead=lead)
    except IntegrityError:  # the same row taken up at the same moment by someone else
        return Lead.objects.get(kind=kind, row_key=row_key), False
    return lead, True


def _lead_for_update(actor, lead_id: int) -> Lead:
    access_dashboards(actor)
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise Http404
    return lead


def lead_note_add(*, actor, lead_id: int, text: str) -> LeadNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写记录内容。")})
    with transaction.atomic(durable=True):
        lead = _lead_for_update(actor, lead_id)
        if lead.status == LeadStatus.CLOSED:
            raise ConflictError(_("线索已了结，不能再添加记录。"))
        note = LeadNote.objects.create(lead=lead, author=actor, text=text[:5000])
        lead_noted_event(actor=actor, lead=lead, note=note)
    return note


def lead_assign(*, actor, lead_id: int, officer_id: int) -> Lead:
    officer = User.objects.filter(
        pk=officer_id, role=Role.DISCIPLINE_OFFICER, is_active=True
    ).first()
    if officer is None:
        raise ValidationError({"officer": _("承办人须是在岗的纪检监察人员。")})
    with transaction.atomic(durable=True):
        lead = _lead_for_update(actor, lead_id)
        if lead.status == LeadStatus.CLOSED:
            raise ConflictError(_("线索已了结，不能再指定承办人。"))
        if lead.assigned_to_id == officer.pk:
            return lead  # already so: nothing changes, nothing to record
        before = lead.assigned_to_id
        lead.assigned_to = officer
        lead.save(update_fields=["assigned_to", "updated_at"])
        lead_assigned_event(actor=actor, lead=lead, before_id=before)
    return lead


def lead_decide(*, actor, lead_id: int, outcome: str, reason: str) -> Lead:
    """立案 (from 初核) or 了结 (from 初核 or 立案), always with the reasons."""
    reason = (reason or "").strip()
    if outcome not in (LeadStatus.FILED, LeadStatus.CLOSED):
        raise ValidationError({"outcome": _("请选择立案或了结。")})
    if not reason:
        raise ValidationError({"reason": _("请写明立案或了结的理由。")})
    with transaction.atomic(durable=True):
        lead = _lead_for_update(actor, lead_id)
        before = lead.status
        if outcome == LeadStatus.FILED and before != LeadStatus.PRELIMINARY:
            raise ConflictError(_("只有初核中的线索可以立案。"))
        if outcome == LeadStatus.CLOSED and before == LeadStatus.CLOSED:
            raise ConflictError(_("线索已了结。"))
        if outcome == LeadStatus.FILED:
            lead.file_case()
        else:
            lead.close()
        lead.outcome_reason = reason[:5000]
        lead.decided_by, lead.decided_at = actor, timezone.now()
        lead.save()
        lead_decided_event(actor=actor, lead=lead, before_status=before)
    return lead


# --- reading ------------------------------------------------------------------------------


def leads_for(user) -> QuerySet[Lead]:
    if getattr(user, "role", None) != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    return Lead.objects.select_related("project", "assigned_to", "opened_by").order_by(
        "status", "due_on", "-id"
    )


def lead_counts(today) -> dict[str, int]:
    """For the dashboard: open leads by state and how many are past their preliminary limit."""
    return Lead.objects.aggregate(
        preliminary=Count("id", filter=Q(status=LeadStatus.PRELIMINARY)),
        filed=Count("id", filter=Q(status=LeadStatus.FILED)),
        closed=Count("id", filter=Q(status=LeadStatus.CLOSED)),
        overdue=Count("id", filter=Q(status=LeadStatus.PRELIMINARY, due_on__lt=today)),
    )


def row_leads(kind: str) -> dict[str, Lead]:
    """The leads already opened on a list's rows, by row key (one query)."""
    return {
        lead.row_key: lead
        for lead in Lead.objects.filter(kind=kind).only("id", "row_key", "reference", "status")
    }
