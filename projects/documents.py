"""Documents of a project's funds: the settlement review (结算审核意见书) as a PDF, signed by the
reviewing organisation in the service. Pure functions: data in, bytes out."""

from django.template.loader import render_to_string
from django.utils import timezone

from core.images import weasyprint_html


def settlement_review_pdf(*, settlement, project, budget, issued_at) -> bytes:
    HTML = weasyprint_html()

    html = render_to_string(
        "projects/settlement_review.html",
        {
            "settlement": settlement,
            "project": project,
            "budget": budget,
            "issued_at": timezone.localtime(issued_at),
        },
    )
    return HTML(string=html).write_pdf()
