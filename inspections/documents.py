"""Documents of site supervision: the acceptance certificate (PDF, signed by the street office
that accepted), the inspection round's closing report (PDF) and its three lists (Excel). Pure
functions: data in, bytes out."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import xlsx_bytes
from core.images import weasyprint_html
from projects.choices import RiskColour

LIST_COLUMNS = [
    (_("序号"), lambda n, i: n),
    (_("问题"), lambda n, i: i.problem),
    (_("责任单位"), lambda n, i: i.responsible_organisation.name),
    (_("责任人"), lambda n, i: i.responsible_person),
    (_("整改时限"), lambda n, i: i.deadline),
    (_("整改标准"), lambda n, i: i.standard),
    (_("状态"), lambda n, i: i.get_status_display()),
    (_("整改情况及佐证"), lambda n, i: i.evidence),
]


def round_report_pdf(overview: dict) -> bytes:
    HTML = weasyprint_html()

    html = render_to_string(
        "inspections/round_report.html", {**overview, "printed_at": timezone.localtime()}
    )
    return HTML(string=html).write_pdf()


def acceptance_certificate_pdf(*, acceptance, project, lab_test, issued_at) -> bytes:
    """竣工验收证书: the project, the lab test, who took part and the conclusion; unsigned (the
    service signs it with the accepting organisation's key)."""
    HTML = weasyprint_html()

    html = render_to_string(
        "inspections/acceptance_certificate.html",
        {
            "acceptance": acceptance,
            "project": project,
            "lab_test": lab_test,
            "issued_at": timezone.localtime(issued_at),
        },
    )
    return HTML(string=html).write_pdf()


def round_lists_xlsx(overview: dict) -> bytes:
    return items_xlsx(overview["items"], sheet=_("三张清单"))


def items_xlsx(items, *, sheet: str, heading: str = "") -> bytes:
    """Ledger items as a sheet (one row each, in the order given); the heading says which
    filter produced them."""
    return xlsx_bytes(
        sheet=sheet,
        heading=heading,
        header=[title for title, _f in LIST_COLUMNS] + [_("项目")],
        rows=(
            [value(n, item) for _t, value in LIST_COLUMNS]
            + [item.project.name if item.project_id else ""]
            for n, item in enumerate(items, start=1)
        ),
    )


def plan_xlsx(overview: dict) -> bytes:
    """A month's random plan: who checks which project, and what came of it."""
    plan = overview["plan"]

    def name(user) -> str:
        return (user.get_full_name() or user.username) if user else ""

    return xlsx_bytes(
        sheet=_("抽检计划"),
        heading=_("%(month)s 双随机抽检计划（随机种子 %(seed)s）")
        % {"month": f"{plan.month:%Y-%m}", "seed": plan.seed},
        header=[
            _("序号"),
            _("项目编号"),
            _("项目名称"),
            _("街道"),
            _("风险颜色"),
            _("抽中检查人"),
            _("指派检查人"),
            _("检查结果"),
        ],
        rows=(
            [
                n,
                row["project"].code if row["project"] else "",
                row["project"].name if row["project"] else "",
                row["project"].street.name if row["project"] else "",
                RiskColour(row["risk_colour"]).label if row["risk_colour"] else "",
                name(row["inspector"]),
                name(row["assigned"]),
                "；".join(
                    f"{c.checked_on} {_('合格') if c.passed else _('不合格')}"
                    for c in row["checks"]
                )
                or _("未检查"),
            ]
            for n, row in enumerate(overview["rows"], start=1)
        ),
    )
