"""The quarterly performance report: PDF (WeasyPrint, Chinese, the chart as inline SVG) and
Excel. Pure functions: the ranking in, bytes out."""

from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Sheet, workbook_bytes
from core.images import weasyprint_html

from .choices import ScoredKind


def _columns():
    return [
        _("名次"),
        _("单位"),
        _("类别"),
        _("项目数"),
        _("检查次数"),
        _("工程质量合格率（%）"),
        _("群众满意度"),
        _("资金合规率（%）"),
        _("综合得分"),
        _("标记"),
    ]


def _flags(row: dict) -> str:
    flags = []
    if row["flags"]["bottom"]:
        flags.append(_("末位"))
    if row["flags"]["suspended"]:
        flags.append(_("暂停下一年度资格"))
    if row["flags"]["not_ranked"]:
        flags.append(_("样本不足，不参与排名"))
    return "、".join(flags)


def _cells(row: dict) -> list:
    return [
        row["rank"] if row["rank"] != "not ranked" else _("不排名"),
        row["company"],
        str(ScoredKind(row["kind"]).label),
        row["projects"],
        row["checks"],
        row["quality_rate"],
        row["satisfaction"],
        row["funds_rate"],
        row["score"],
        _flags(row),
    ]


def score_chart_svg(rows: list[dict], *, width: int = 640, bar: int = 16) -> str:
    """Horizontal bars of the ranked scores (0–100), bottom-flagged bars in red."""
    ranked = [r for r in rows if r["rank"] != "not ranked"]
    label_w, gap = 210, 6
    height = max(1, len(ranked)) * (bar + gap) + 24
    scale = (width - label_w - 50) / 100
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Noto Sans CJK SC" font-size="11">'
    ]
    for n, row in enumerate(ranked):
        y = 8 + n * (bar + gap)
        length = float(row["score"]) * scale
        colour = "#c0392b" if row["flags"]["bottom"] else "#2e6da4"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar - 4}" text-anchor="end">'
            f"{escape(str(row['rank']))}. {escape(row['company'][:16])}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + length + 4:.1f}" y="{y + bar - 4}">{row["score"]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def quarterly_report_pdf(*, period, sections: list[tuple[str, list[dict]]]) -> bytes:
    HTML = weasyprint_html()

    html = render_to_string(
        "performance/report_pdf.html",
        {
            "period": period,
            "columns": _columns(),
            "printed_at": timezone.localtime(),
            "sections": [
                {"title": title, "chart": score_chart_svg(rows), "rows": [_cells(r) for r in rows]}
                for title, rows in sections
            ],
        },
    )
    return HTML(string=html).write_pdf()


def quarterly_report_xlsx(*, period, sections: list[tuple[str, list[dict]]]) -> bytes:
    """One sheet per kind of unit: the quarter and the kind, the header, the ranking."""
    return workbook_bytes(
        Sheet(
            title=title,
            heading=f"{period.quarter} {title}",
            header=_columns(),
            rows=[_cells(row) for row in rows],
        )
        for title, rows in sections
    )
