"""The quarterly performance report as issued: rendered, signed (PAdES) with the key of the
district department that runs the evaluation (区住建局), each copy recorded."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation
from core.signing import issue_signed

from .documents import quarterly_report_pdf
from .events import report_issued_event


def report_issuer() -> Organisation | None:
    """The department whose reviewers run the evaluation (the 住建局): the first department
    with a 主管部门审核人 among its users."""
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.DEPARTMENT, users__role=Role.DEPT_REVIEWER
        )
        .order_by("pk")
        .first()
    )


def quarterly_report_issue(*, actor, period, sections: list[tuple[str, list[dict]]]) -> bytes:
    """The quarter's report as a signed PDF; an audit event with its SHA-256 per copy."""
    signed, copy = issue_signed(
        quarterly_report_pdf(period=period, sections=sections),
        organisation=report_issuer(),
        reason=_("%(quarter)s 季度绩效评价报告") % {"quarter": period.quarter},
    )
    with transaction.atomic(durable=True):
        report_issued_event(actor=actor, period=period, after=copy)
    return signed
