"""The quarterly performance report as issued: rendered, signed (PAdES) with the key of the
district department that runs the evaluation (区住建局), each copy recorded."""

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation
from core.signing import sign_pdf, signatory_of

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
    signer = signatory_of(report_issuer())
    signed = sign_pdf(
        quarterly_report_pdf(period=period, sections=sections),
        signatory=signer,
        reason=_("%(quarter)s 季度绩效评价报告") % {"quarter": period.quarter},
    )
    with transaction.atomic(durable=True):
        report_issued_event(
            actor=actor,
            period=period,
            after={"sha256": hashlib.sha256(signed).hexdigest(), "signed_by": signer.name},
        )
    return signed
