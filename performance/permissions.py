"""Who reads and acts on performance and credit: predicates and access_* helpers."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.choices import Role
from accounts.models import Organisation

from .choices import CREDIT_KINDS

# Rankings are published to every signed-in user (docs/rules.md §8); credit is read by the people who
# award, pay and oversee, and by each company for itself.
CREDIT_READERS = {
    Role.STREET_STAFF,
    Role.DEPT_REVIEWER,
    Role.DRC_OFFICER,
    Role.FINANCE_OFFICER,
    Role.DISCIPLINE_OFFICER,
    Role.ADMIN,
}
FALSE_REPORT_RECORDERS = {Role.DEPT_REVIEWER, Role.DISCIPLINE_OFFICER}
APPEAL_DECIDERS = {Role.DEPT_REVIEWER}
RISK_READERS = {
    Role.STREET_STAFF,
    Role.DEPT_REVIEWER,
    Role.DRC_OFFICER,
    Role.FINANCE_OFFICER,
    Role.DISCIPLINE_OFFICER,
}


def may_read_rankings(user) -> bool:
    return user.is_authenticated and user.is_active


def may_read_all_credit(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in CREDIT_READERS


def may_record_false_report(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in FALSE_REPORT_RECORDERS


def may_decide_appeal(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in APPEAL_DECIDERS


def may_appeal(user, organisation_id: int) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role in (Role.CONTRACTOR, Role.SUPERVISOR)
        and user.organisation_id == organisation_id
    )


def may_read_risk(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in RISK_READERS


def access_company_credit(user, organisation_id) -> Organisation:
    """A party's credit page (a company, or a street office as 建设单位): readers of all
    credit, or the organisation's own staff."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied
    company = (
        Organisation.objects.filter(pk=organisation_id, kind__in=CREDIT_KINDS).first()
        if str(organisation_id).isdigit()
        else None
    )
    if company is None:
        raise Http404
    if not (may_read_all_credit(user) or user.organisation_id == company.pk):
        raise PermissionDenied
    return company
