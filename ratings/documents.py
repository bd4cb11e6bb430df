"""The site sign (公示牌) as a PDF and the QR codes pointing at the public page. Pure
functions: data in, bytes out."""
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils import timezone

SIGN_SIZES = ("A4", "A3")


def qr_svg(url: str) -> bytes:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.to_string(encoding="unicode").encode()


def qr_png(url: str) -> bytes:
    image = qrcode.make(url, box_size=12, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sign_pdf(*, project, url: str, size: str = "A4") -> bytes:
    from weasyprint import HTML

    html = render_to_string("ratings/sign.html", {
        "project": project, "contract": getattr(project, "contract", None), "url": url,
        "qr": qr_svg(url).decode(), "size": size if size in SIGN_SIZES else "A4",
        "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()
