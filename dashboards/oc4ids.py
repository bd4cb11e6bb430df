"""Open data: projects in the Open Contracting for Infrastructure Data Standard (OC4IDS project
schema 0.9.x), public fields only (docs/rules.md §11). Ledgers, scores, blacklists, people's names,
bank accounts and residents' ratings have no place here."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from approvals import routes
from approvals.choices import ChangeStatus
from approvals.events import ApprovalEvents
from approvals.models import ChangeOrder, ConsultationQuote, TenderBid
from core.events import verb_label
from core.models import AuditEvent
from inspections.events import InspectionEvents
from inspections.models import SpotCheck
from projects.choices import (
    Category,
    PaymentStatus,
    ProcurementMethod,
    ProjectStatus,
    Tier,
    required_procurement,
)
from projects.events import ProjectEvents
from projects.models import Payment, Project
from projects.services import project_counting_budget

VERSION = "0.9"
CURRENCY = "CNY"
# A registered OC4IDS prefix goes in settings; this placeholder marks data as unregistered.
ID_PREFIX = getattr(settings, "OC4IDS_ID_PREFIX", "oc4ids-lcxx00")

STATUS: dict[str, str] = {
    ProjectStatus.SUBMITTED: "identification",
    ProjectStatus.RETURNED: "identification",
    ProjectStatus.DEPT_APPROVED: "identification",
    ProjectStatus.EXPERT_APPROVED: "identification",
    ProjectStatus.FISCAL_APPROVED: "identification",
    ProjectStatus.APPROVED: "preparation",
    ProjectStatus.PROCUREMENT: "preparation",
    ProjectStatus.CONTRACTED: "preparation",
    ProjectStatus.IN_PROGRESS: "implementation",
    ProjectStatus.SUSPENDED: "implementation",
    ProjectStatus.COMPLETED: "completion",
    ProjectStatus.ACCEPTED: "completion",
    ProjectStatus.SETTLED: "completion",
    ProjectStatus.ARCHIVED: "completion",
    ProjectStatus.REJECTED: "cancelled",
    ProjectStatus.CANCELLED: "cancelled",
}
# Minor works repair what exists; a new pocket park or planting is new construction.
TYPE: dict[str, str] = {Category.GREENING: "construction"}
SECTOR: dict[str, list[str]] = {
    Category.ROAD: ["transport", "transport.road"],
    Category.DRAINAGE: ["waterAndWaste"],
    Category.GREENING: ["cultureSportsAndRecreation"],
    Category.BUILDING_REPAIR: ["socialHousing"],
    Category.OTHER: ["governance"],
}
PROCUREMENT: dict[str, str] = {
    ProcurementMethod.DIRECT: "direct",
    ProcurementMethod.LIMITED: "limited",
    ProcurementMethod.OPEN: "open",
    # 竞争性磋商 invites at least three qualified suppliers; 定点采购 calls off a framework
    # agreement whose supplier was admitted by its own procurement.
    ProcurementMethod.COMPETITIVE: "selective",
    ProcurementMethod.FRAMEWORK: "limited",
}
# Published as approval milestones besides the route's steps (approvals.routes).
OTHER_APPROVAL_VERBS = (
    ProjectEvents.FILE,
    ApprovalEvents.ESCALATION_APPROVED,
    ApprovalEvents.CONTRACT_FILED,
    InspectionEvents.PROJECT_ACCEPTED,
)
CONTRACT_UNDER_WAY = (
    ProjectStatus.CONTRACTED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.SUSPENDED,
    ProjectStatus.COMPLETED,
)


def public_projects() -> QuerySet[Project]:
    """Projects handed to the district (drafts and drafts withdrawn are not public)."""
    return (
        Project.objects.exclude(status=ProjectStatus.DRAFT)
        .filter(submitted_at__isnull=False)
        .select_related(
            "street",
            "contractor",
            "supervision_unit",
            "contract",
            "contract__supervision_unit",
            "settlement",
            "acceptance",
        )
        .prefetch_related(
            Prefetch(
                "payments",
                Payment.objects.filter(status=PaymentStatus.PAID).order_by("paid_on", "id"),
                to_attr="paid_payments",
            ),
            Prefetch(
                "change_orders",
                ChangeOrder.objects.filter(status=ChangeStatus.APPROVED).order_by(
                    "decided_at", "id"
                ),
                to_attr="approved_changes",
            ),
            Prefetch(
                "spot_checks", SpotCheck.objects.order_by("checked_on", "id"), to_attr="checks"
            ),
            Prefetch("lab_tests"),
        )
        .annotate(
            bid_count=_count_of(TenderBid.objects, "tender__project"),
            quote_count=_count_of(ConsultationQuote.objects, "consultation__project"),
        )
        .order_by("id")
    )


def _count_of(rows, project_path: str) -> Subquery:
    """How many rows point at the outer project (one query with the projects, no N+1)."""
    return Subquery(
        rows.filter(**{project_path: OuterRef("pk")})
        .order_by()
        .values(project_path)
        .annotate(n=Count("*"))
        .values("n")[:1]
    )


# How many took part in each kind of procurement (OC4IDS numberOfTenderers): the tender's
# bidders, the consultation's suppliers, the lottery's shortlist of two, one for an award.
def _tenderers(project: Project, method: str) -> int | None:
    if not project.contractor_id:
        return None
    counted: dict[str, int | None] = {
        ProcurementMethod.OPEN: getattr(project, "bid_count", None),
        ProcurementMethod.COMPETITIVE: getattr(project, "quote_count", None),
        ProcurementMethod.LIMITED: 2,
    }
    return counted.get(method, 1)


def approval_verbs() -> tuple[str, ...]:
    """The audit verbs published as approval milestones: each step of the routes, and more."""
    steps = tuple(f"project.{t}" for t in routes.table().step_transitions())
    return (*steps, *OTHER_APPROVAL_VERBS)


def approval_events(projects: list[Project]) -> dict[int, list[AuditEvent]]:
    """The approvals and filings of these projects, from the audit chain (one query)."""
    by_project: dict[int, list[AuditEvent]] = {p.pk: [] for p in projects}
    events = (
        AuditEvent.objects.filter(
            object_type="projects.project",
            object_id__in=[str(p.pk) for p in projects],
            verb__in=approval_verbs(),
        )
        .only("chain", "seq", "verb", "created_at", "object_id")
        .order_by("id")
    )
    for event in events:
        by_project[int(event.object_id)].append(event)
    return by_project


def _when(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = timezone.make_aware(datetime.combine(value, time.min))
    return timezone.localtime(value).isoformat(timespec="seconds")


def _money(amount: Decimal) -> dict:
    return {"amount": float(amount), "currency": CURRENCY}


def _org_id(org) -> str:
    # The unified social credit code is the public identifier of a company; streets have none.
    return f"CN-USCC-{org.credit_code}" if org.credit_code else f"org-{org.pk}"


def _ref(org) -> dict:
    return {"id": _org_id(org), "name": org.name}


def _party(org, roles: list[str]) -> dict:
    party = {"id": _org_id(org), "name": org.name, "roles": roles}
    if org.credit_code:
        party["identifier"] = {"scheme": "CN-USCC", "id": org.credit_code, "legalName": org.name}
    return party


def _drop_empty(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def project_oc4ids(project: Project, events: list[AuditEvent]) -> dict:
    """One project as an OC4IDS project object."""
    contract = getattr(project, "contract", None)
    settlement = getattr(project, "settlement", None)
    acceptance = getattr(project, "acceptance", None)
    code = project.code or str(project.pk)
    parties = [_party(project.street, ["publicAuthority", "buyer", "procuringEntity"])]
    if project.contractor:
        parties.append(_party(project.contractor, ["supplier", "payee"]))
    if project.supervision_unit:
        parties.append(_party(project.supervision_unit, ["supplier"]))
    return _drop_empty(
        {
            "id": f"{ID_PREFIX}-{code}",
            "updated": _when(project.updated_at),
            "language": "zh",
            "identifiers": [{"id": code, "scheme": "LC-LXGC"}],
            "publicAuthority": _ref(project.street),
            "title": project.name,
            "description": project.description,
            "status": STATUS.get(project.status, "identification"),
            "type": TYPE.get(project.category, "rehabilitation"),
            "sector": SECTOR.get(project.category, ["governance"]),
            "additionalClassifications": [
                {
                    "scheme": "LC-TIER",
                    "id": project.tier,
                    "description": str(Tier(project.tier).label),
                }
            ],
            "budget": _drop_empty(
                {
                    "amount": _money(project_counting_budget(project)),
                    "approvalDate": _when(project.approved_at),
                }
            ),
            "period": _drop_empty(
                {"startDate": _when(project.planned_start), "endDate": _when(project.planned_end)}
            ),
            "implementationPeriod": _drop_empty(
                {"startDate": _when(project.started_at), "endDate": _when(project.completed_at)}
            ),
            "locations": [
                _drop_empty(
                    {
                        "id": "1",
                        "description": project.address,
                        "geometry": {
                            "type": "Point",
                            "coordinates": [float(project.longitude), float(project.latitude)],
                        }
                        if project.latitude is not None and project.longitude is not None
                        else None,
                        "address": {
                            "streetAddress": project.address,
                            "region": project.street.name,
                            "countryName": _("中国"),
                        },
                    }
                )
            ],
            "parties": parties,
            "milestones": [
                _drop_empty(
                    {
                        "id": f"approval-{e.ref}",
                        "title": verb_label(e.verb),
                        "type": "approval",
                        "code": routes.table().milestone(e.verb.removeprefix("project.")),
                        "status": "met",
                        "dateMet": _when(e.created_at),
                    }
                )
                for e in events
            ],
            "metrics": _metrics(project, contract),
            "documents": _documents(project, acceptance),
            "contractingProcesses": _contracting(project, contract, settlement, code),
            "completion": _drop_empty(
                {
                    "endDate": _when(project.accepted_at),
                    "finalValue": _money(settlement.amount) if settlement else None,
                }
            )
            if project.accepted_at
            else None,
        }
    )


def _metrics(project: Project, contract) -> list[dict]:
    metrics = [
        {
            "id": "physicalProgress",
            "title": _("工程形象进度"),
            "observations": [
                {
                    "id": "reported",
                    "measure": float(project.reported_progress),
                    "unit": {"name": "percent"},
                }
            ],
        }
    ]
    if contract is not None:
        ceiling = contract.amount + contract.approved_changes_total
        paid = sum((p.amount for p in cast(Any, project).paid_payments), Decimal("0"))
        metrics.append(
            {
                "id": "financialProgress",
                "title": _("资金拨付进度"),
                "observations": [
                    {
                        "id": "paid",
                        "measure": float((paid / ceiling * 100).quantize(Decimal("0.01"))),
                        "unit": {"name": "percent"},
                        "value": _money(paid),
                    }
                ],
            }
        )
    return metrics


def _documents(project: Project, acceptance) -> list[dict]:
    documents = [
        {
            "id": f"spot-check-{check.pk}",
            "documentType": "physicalProgressReport",
            "title": _("质量抽检：合格") if check.passed else _("质量抽检：不合格"),
            "datePublished": _when(check.checked_on),
        }
        for check in cast(Any, project).checks  # prefetched by public_projects()
    ]
    if acceptance is not None:
        rates = "、".join(f"{t.pass_rate}%" for t in project.lab_tests.all())
        documents.append(
            _drop_empty(
                {
                    "id": "acceptance",
                    "documentType": "completionCertificate",
                    "title": _("竣工验收"),
                    "description": acceptance.conclusion
                    + (_("（第三方检测合格率 %(rates)s）") % {"rates": rates} if rates else ""),
                    "datePublished": _when(acceptance.created_at),
                }
            )
        )
    return documents


def _contracting(project: Project, contract, settlement, code: str) -> list[dict]:
    if STATUS.get(project.status) in ("identification", "cancelled") and contract is None:
        return []
    method = project.procurement_method or required_procurement(project.tier, project.project_class)
    status = (
        ("active" if project.status in CONTRACT_UNDER_WAY else "closed")
        if contract
        else "pre-award"
    )
    works = _drop_empty(
        {
            "nature": ["construction"],
            "title": project.name,
            "status": status,
            "tender": _drop_empty(
                {
                    "procurementMethod": PROCUREMENT[method],
                    "procurementMethodDetails": str(ProcurementMethod(method).label),
                    "numberOfTenderers": _tenderers(project, method),
                    "tier": project.tier,
                    "costEstimate": _money(project_counting_budget(project)),
                    "procuringEntity": _ref(project.street),
                }
            ),
            "suppliers": [_ref(project.contractor)] if project.contractor else [],
            "contractValue": _money(contract.amount) if contract else None,
            "finalValue": _money(settlement.amount) if settlement else None,
            "contractPeriod": {
                "startDate": _when(contract.start_date),
                "endDate": _when(contract.end_date),
            }
            if contract
            else None,
            "modifications": [
                _drop_empty(
                    {
                        "id": f"change-{change.pk}",
                        "date": _when(change.decided_at),
                        "description": change.reason,
                        "type": "value",
                    }
                )
                for change in cast(Any, project).approved_changes
            ],
            "transactions": [
                _drop_empty(
                    {
                        "id": f"payment-{payment.pk}",
                        "date": _when(payment.paid_on),
                        "value": _money(payment.amount),
                        "payer": _ref(project.street),
                        "payee": _ref(project.contractor) if project.contractor else None,
                    }
                )
                for payment in cast(Any, project).paid_payments
            ],
        }
    )
    processes = [{"id": f"{code}-works", "summary": works}]
    if contract is not None:
        processes.append(
            {
                "id": f"{code}-supervision",
                "summary": {
                    "nature": ["supervision"],
                    "status": status,
                    "suppliers": [_ref(contract.supervision_unit)],
                },
            }
        )
    return processes


def package(projects: list[Project], *, uri: str, next_uri: str | None) -> dict:
    """The project package around a page of projects."""
    events = approval_events(projects)
    # The data set is published in Chinese ("language": "zh") whatever the reader's browser.
    with translation.override(settings.LANGUAGE_CODE):
        data = {
            "uri": uri,
            "publishedDate": _when(timezone.now()),
            "publisher": {"name": _("莆田市荔城区零星工程智慧监管平台")},
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "version": VERSION,
            "projects": [project_oc4ids(p, events[p.pk]) for p in projects],
        }
    if next_uri:
        data["links"] = {"next": next_uri}
    return data
