"""The site sign (公示牌) as a PDF, the QR codes pointing at the public page, the reports list
as Excel. Pure functions: data in, bytes out."""

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exports import xlsx_bytes
from core.images import weasyprint_html
from core.money import Yuan

SIGN_SIZES = ("A4", "A3")


def qr_svg(url: str) -> bytes:
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    return image.to_string(encoding="unicode").encode()


def qr_png(url: str) -> bytes:
    image = qrcode.make(
        url, box_size=12, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sign_pdf(*, project, url: str, size: str = "A4", disclosure: dict | None = None) -> bytes:
    HTML = weasyprint_html()

    html = render_to_string(
        "ratings/sign.html",
        {
            "project": project,
            "contract": getattr(project, "contract", None),
            "d": disclosure or {},
            "url": url,
            "qr": qr_svg(url).decode(),
            "size": size if size in SIGN_SIZES else "A4",
            "printed_at": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf()


REPORT_COLUMNS = [
    (_("举报编号"), lambda r: r.reference),
    (_("时间"), lambda r: r.created_at),
    (_("项目"), lambda r: r.project.name),
    (_("举报内容"), lambda r: r.text),
    (_("联系方式"), lambda r: r.contact or str(_("匿名"))),
    (_("处理状态"), lambda r: r.ledger_item.get_status_display()),
    (_("整改时限"), lambda r: r.ledger_item.deadline),
    (_("核查结论"), lambda r: r.get_outcome_display()),
]

REWARD_COLUMNS = [
    (_("举报编号"), lambda r: r.reference),
    (_("项目"), lambda r: r.project.name),
    (_("核查结论"), lambda r: r.get_outcome_display()),
    (_("奖励金额（元）"), lambda r: Yuan(r.reward_amount)),
    (_("发放日期"), lambda r: r.reward_paid_on),
    (_("奖励说明"), lambda r: r.reward_note),
    (_("登记人"), lambda r: str(r.rewarded_by) if r.rewarded_by else ""),
]


def reports_xlsx(reports) -> bytes:
    return xlsx_bytes(
        sheet=str(_("群众举报")),
        header=[title for title, _v in REPORT_COLUMNS],
        rows=([value(report) for _t, value in REPORT_COLUMNS] for report in reports),
    )


def rewards_xlsx(reports) -> bytes:
    """举报奖励台账."""
    return xlsx_bytes(
        sheet=str(_("举报奖励")),
        heading=str(_("举报奖励台账")),
        header=[title for title, _v in REWARD_COLUMNS],
        rows=([value(report) for _t, value in REWARD_COLUMNS] for report in reports),
    )
