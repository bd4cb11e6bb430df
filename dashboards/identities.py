"""Who is behind the companies (docs/rules.md §9, issue #18 point 2): companies that share a legal
representative, a telephone, a bank account or a registered address; a supervision unit tied so to
the contractor it supervises; company people whose telephone is a street officer's at the street
that awards them; one certificate holder named full-time on two contracts at once (挂证).

Each list compares normalised values (the digits of a telephone or an account; the address with
spaces and full-width forms folded): a business park's shared street address with different room
numbers is not the same address. Every list is a fixed number of queries."""

import re
import unicodedata
from collections import defaultdict
from decimal import Decimal
from functools import partial
from itertools import combinations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import COMPANY_KINDS, OrganisationKind, StaffPosition
from accounts.models import CompanyStaff, Organisation, User
from accounts.validators import normalise_phone
from approvals.models import TenderBid
from projects.models import Contract, Project

from .rows import ALL_TIME, AnyRow, LazyRow, Period, Row, project_links, stand_in

ATTRIBUTES = {
    "legal_representative": gettext_lazy("法定代表人"),
    "contact_phone": gettext_lazy("联系电话"),
    "bank_account": gettext_lazy("银行账号"),
    "address": gettext_lazy("注册地址"),
    "email": gettext_lazy("电子邮箱"),
}
ORDER = {attribute: n for n, attribute in enumerate(ATTRIBUTES)}
# The positions a person must hold full-time on one contract (住建部：项目负责人、专职安全员不得兼任).
FULL_TIME = (
    ("project_manager", StaffPosition.PROJECT_MANAGER),
    ("safety_officer", StaffPosition.SAFETY_OFFICER),
    ("quality_inspector", StaffPosition.QUALITY_INSPECTOR),
)


def normalise(attribute: str, value: str) -> str:
    """The value as compared: '' when it says nothing."""
    value = unicodedata.normalize("NFKC", value or "").strip().lower()
    if attribute == "email":
        return value if "@" in value else ""
    if attribute == "contact_phone":
        value = normalise_phone(value)
        return value if len(value) >= 7 else ""
    if attribute == "bank_account":
        value = re.sub(r"\D", "", value)
        return value if len(value) >= 8 else ""
    value = re.sub(r"[\s,，.。·\-－()（）]", "", value)
    return value if len(value) >= 2 else ""


def company_link(org_id: int) -> str:
    return reverse("performance:credit_company", args=[org_id])


def active_companies(projects: QuerySet[Project], period: Period) -> set[int]:
    """Companies that contracted, supervised or bid on the projects in the period."""
    contracts = Contract.objects.filter(period.q("created_at"), project__in=projects)
    ids = set(contracts.values_list("contractor_id", flat=True))
    ids |= set(contracts.values_list("supervision_unit_id", flat=True))
    ids |= set(
        TenderBid.objects.filter(
            period.q("tender__created_at"), tender__project__in=projects
        ).values_list("bidder_id", flat=True)
    )
    return ids - {None}


def shared_identities(
    org_ids: set[int] | None = None, names: dict[int, str] | None = None
) -> dict[tuple[int, int], list[str]]:
    """Pairs of companies (smaller id first) with the attributes they share (one query); the
    companies' names go into `names` when given."""
    companies = Organisation.objects.filter(kind__in=COMPANY_KINDS)
    if org_ids is not None:
        companies = companies.filter(pk__in=org_ids)
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    for row in companies.values("id", "name", *ATTRIBUTES):
        if names is not None:
            names[row["id"]] = row["name"]
        for attribute in ATTRIBUTES:
            value = normalise(attribute, row[attribute])
            if value:
                holders[(attribute, value)].add(row["id"])
    pairs: dict[tuple[int, int], list[str]] = defaultdict(list)
    for (attribute, _value), ids in sorted(holders.items(), key=lambda h: ORDER[h[0][0]]):
        for a, b in combinations(sorted(ids), 2):
            pairs[(a, b)].append(attribute)
    # A name alone is no tie (王伟 is many people); with another shared fact it is.
    return {pair: found for pair, found in pairs.items() if found != ["legal_representative"]}


def shared_identity_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    names: dict[int, str] = {}
    pairs = shared_identities(active_companies(projects, period), names)
    rows = []
    for (a, b), attributes in sorted(pairs.items()):
        shared = "、".join(str(ATTRIBUTES[x]) for x in attributes)
        rows.append(
            Row(
                None,
                [names[a], names[b], shared],
                _("%(a)s与%(b)s的%(shared)s相同。")
                % {"a": names[a], "b": names[b], "shared": shared},
                [(names[a], company_link(a)), (names[b], company_link(b))],
                Decimal(len(attributes)),
            )
        )
    return rows


def supervision_tie_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    # Ids first (every contract of the period), the models only of the contracts that match.
    ties = list(
        Contract.objects.filter(period.q("created_at"), project__in=projects)
        .exclude(supervision_unit=None)
        .values_list("id", "contractor_id", "supervision_unit_id")
    )
    pairs = shared_identities({c for _i, c, _s in ties} | {s for _i, _c, s in ties})
    matched = [i for i, c, s in ties if tuple(sorted((c, s))) in pairs]
    rows = []
    for contract in (
        Contract.objects.filter(pk__in=matched)
        .select_related("project", "contractor", "supervision_unit")
        .order_by("project_id")
    ):
        pair = tuple(sorted((contract.contractor_id, contract.supervision_unit_id)))
        attributes = pairs[pair]  # type: ignore[index]
        shared = "、".join(str(ATTRIBUTES[x]) for x in attributes)
        rows.append(
            Row(
                contract.project,
                [
                    contract.project.code,
                    contract.project.name,
                    contract.contractor.name,
                    contract.supervision_unit.name,
                    shared,
                ],
                _("监理单位%(supervisor)s与其监理的施工单位%(contractor)s的%(shared)s相同。")
                % {
                    "supervisor": contract.supervision_unit.name,
                    "contractor": contract.contractor.name,
                    "shared": shared,
                },
                [
                    *project_links(contract.project),
                    (contract.contractor.name, company_link(contract.contractor_id)),
                    (contract.supervision_unit.name, company_link(contract.supervision_unit_id)),
                ],
                Decimal(len(attributes)),
            )
        )
    return rows


def awarder_tie_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """A company's people (its register, its legal representative and telephone) whose
    telephone is that of an officer of the street that awarded it the contract."""
    # Ids first (every contract of the period), the models only of the contracts that match.
    awarded = list(
        Contract.objects.filter(period.q("created_at"), project__in=projects).values_list(
            "id", "contractor_id", "project__street_id"
        )
    )
    companies = {c for _i, c, _s in awarded}
    streets = {s for _i, _c, s in awarded}
    people: dict[int, list[tuple[str, str, str]]] = defaultdict(list)  # org → (phone, name, what)
    for staff in CompanyStaff.objects.filter(organisation__in=companies).exclude(phone=""):
        people[staff.organisation_id].append(
            (normalise_phone(staff.phone), staff.name, staff.get_position_display())
        )
    for org in Organisation.objects.filter(pk__in=companies).exclude(contact_phone=""):
        people[org.pk].append(
            (normalise_phone(org.contact_phone), org.legal_representative, _("单位联系电话"))
        )
    officers: dict[tuple[int, str], User] = {}
    for user in User.objects.filter(
        organisation__in=streets, organisation__kind=OrganisationKind.STREET
    ).exclude(phone=""):
        officers[(user.organisation_id, normalise_phone(user.phone))] = user  # type: ignore[index]
    matched = [
        i
        for i, company, street in awarded
        if any((street, phone) in officers for phone, _n, _w in people.get(company, []))
    ]
    contracts = (
        Contract.objects.filter(pk__in=matched)
        .select_related("project", "project__street", "contractor")
        .order_by("project_id")
    )
    rows = []
    for contract in contracts:
        for phone, name, what in people.get(contract.contractor_id, []):
            officer = officers.get((contract.project.street_id, phone))
            if officer is None or len(phone) < 7:
                continue
            rows.append(
                Row(
                    contract.project,
                    [
                        contract.project.code,
                        contract.project.name,
                        contract.contractor.name,
                        f"{name}（{what}）",
                        officer.get_full_name() or officer.username,
                    ],
                    _(
                        "%(company)s的%(what)s%(name)s的电话与发包的%(street)s工作人员%(officer)s相同。"
                    )
                    % {
                        "company": contract.contractor.name,
                        "what": what,
                        "name": name,
                        "street": contract.project.street.name,
                        "officer": officer.get_full_name() or officer.username,
                    },
                    [
                        *project_links(contract.project),
                        (contract.contractor.name, company_link(contract.contractor_id)),
                    ],
                    None,
                )
            )
    return rows


def _person(staff: CompanyStaff) -> str:
    """Who a register entry is: the certificate when there is one, else name and telephone."""
    if staff.certificate_no.strip():
        return "cert:" + normalise("certificate", staff.certificate_no)
    phone = normalise_phone(staff.phone)
    return f"person:{staff.name.strip()}:{phone}" if phone else ""


def certificate_lending_rows(
    projects: QuerySet[Project], period: Period = ALL_TIME
) -> list[AnyRow]:
    """挂证: one person named full-time on two contracts whose dates overlap. Each contract
    that starts while the person is already engaged on another is one row, set against the
    engagement that runs longest (a sweep by start date, not every pair: a lender of one
    certificate to hundreds of contracts is hundreds of rows, not tens of thousands)."""
    window = Q()
    if period.since:
        window &= Q(end_date__gte=period.since)
    if period.until:
        window &= Q(start_date__lte=period.until)
    fields = [field for field, _position in FULL_TIME]
    contracts = list(
        Contract.objects.filter(window, project__in=projects)
        .order_by("start_date", "project_id")
        .values_list(
            "id", "project_id", "project__code", "project__name", "start_date", "end_date", *fields
        )
    )
    staff = {
        member.pk: member
        for member in CompanyStaff.objects.filter(
            pk__in={sid for c in contracts for sid in c[6:] if sid is not None}
        )
    }
    people = {pk: _person(member) for pk, member in staff.items()}
    labels = [str(position.label) for _field, position in FULL_TIME]  # translated once
    postings: dict[str, list[tuple[tuple, str, CompanyStaff]]] = defaultdict(list)
    for contract in contracts:
        for label, staff_id in zip(labels, contract[6:], strict=True):
            if staff_id is not None and (who := people.get(staff_id)):
                postings[who].append((contract, label, staff[staff_id]))
    rows: list[AnyRow] = []
    for entries in postings.values():
        engaged = None  # the earlier posting that runs longest
        for entry in entries:  # by start date
            contract = entry[0]
            if (
                engaged is not None
                and engaged[0][0] != contract[0]
                and engaged[0][5] >= contract[4]
            ):
                rows.append(LazyRow(None, partial(_lending_row, engaged, entry)))
            if engaged is None or contract[5] > engaged[0][5]:
                engaged = entry
    return rows


def _lending_row(earlier, later) -> Row:
    (c1, p1, s1), (c2, p2, s2) = earlier, later
    first, last = max(c1[4], c2[4]), min(c1[5], c2[5])
    project1, project2 = stand_in(c1[1], c1[2], c1[3]), stand_in(c2[1], c2[2], c2[3])
    return Row(
        project2,
        [
            s1.name,
            s1.certificate_no or s1.phone,
            f"{project1.code} {p1}",
            f"{project2.code} {p2}",
            f"{first} — {last}",
        ],
        _(
            "%(name)s（%(cert)s）同时担任“%(p1)s”的%(pos1)s和“%(p2)s”的%(pos2)s，"
            "两个合同工期在 %(first)s 至 %(last)s 重叠。%(registers)s"
        )
        % {
            "name": s1.name,
            "cert": s1.certificate_no or s1.phone,
            "p1": project1.name,
            "pos1": p1,
            "p2": project2.name,
            "pos2": p2,
            "first": first,
            "last": last,
            "registers": _("此人登记在两家单位的名录中。")
            if s1.organisation_id != s2.organisation_id
            else "",
        },
        [*project_links(project1), *project_links(project2)],
        None,
    )
