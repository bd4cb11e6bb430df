"""Signed documents (issue #15 point 8): the acceptance certificate, the settlement review and the
quarterly report are PDFs signed with the issuing organisation's key under the district CA; the
verification page says valid for an untouched copy and refuses a modified one, a foreign signer,
an unsigned file and junk."""

import hashlib
import stat
import subprocess
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from accounts.events import AccountEvents
from accounts.models import Organisation
from core import signing
from core.images import weasyprint_html
from core.models import AuditEvent
from inspections.events import InspectionEvents
from performance.events import PerformanceEvents
from performance.scoring import performance_score_quarter
from projects import services as projects
from projects.events import ProjectEvents
from tests.funds_helpers import accepted, under_way

pytestmark = pytest.mark.django_db


def _certificate(client, district):
    project = accepted(district, *under_way(district, progress="100"))
    client.force_login(district.street_zhenhai)
    response = client.get(reverse("inspections:acceptance_certificate", args=[project.pk]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    client.logout()
    return project, response.content


def _verify(client, data: bytes, name="copy.pdf"):
    return client.post(
        reverse("accounts:verify_document"),
        {"document": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def _status(response) -> str:
    page = response.content.decode()
    marker = 'data-testid="verdict" data-status="'
    assert marker in page, page[-2000:]
    return page.split(marker, 1)[1].split('"', 1)[0]


def _flip_inside_signed_range(pdf: bytes) -> bytes:
    """One byte changed in the document's own text (inside /ByteRange, outside /Contents)."""
    at = pdf.index(b"/Producer") + len(b"/Producer") + 3
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def _incremental_update(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_signed_acceptance_certificate_verifies_and_names_the_street_office(client, district):
    project, pdf = _certificate(client, district)

    answer = _verify(client, pdf)

    assert answer.status_code == 200
    assert _status(answer) == "valid"
    page = answer.content.decode()
    assert "签章有效" in page and f'data-testid="signer">{district.zhenhai.name}<' in page
    assert "竣工验收证书" in page
    issued = AuditEvent.objects.get(verb=InspectionEvents.ACCEPTANCE_CERTIFICATE_ISSUED)
    assert issued.after["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert issued.after["signed_by"] == district.zhenhai.name
    assert issued.object_id == str(project.pk)
    client.force_login(district.street_zhenhai)  # the project page offers it
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("inspections:acceptance_certificate", args=[project.pk]) in page


def test_a_modified_copy_does_not_verify(client, district):
    _project, pdf = _certificate(client, district)

    flipped = _verify(client, _flip_inside_signed_range(pdf))
    appended = _verify(client, _incremental_update(pdf))

    assert _status(flipped) == "modified" and "签署后被改动" in flipped.content.decode()
    assert _status(appended) == "modified"


def test_a_signature_from_another_ca_is_an_unknown_signer(client, district, settings, tmp_path):
    unsigned = weasyprint_html()(string="<p>竣工验收证书</p>").write_pdf()
    mine = settings.SIGNING_KEYS_DIR
    settings.SIGNING_KEYS_DIR = tmp_path / "elsewhere"
    forged = signing.sign_pdf(
        unsigned,
        signatory=signing.Signatory(district.zhenhai.pk, district.zhenhai.name),
        reason="伪造",
    )
    settings.SIGNING_KEYS_DIR = mine

    answer = _verify(client, forged)

    assert _status(answer) == "unknown_signer"
    assert "未经确认" in answer.content.decode()  # the claimed name, never as the signer


def test_an_unsigned_pdf_junk_and_nothing_get_a_message_never_a_500(client, settings):
    unsigned = weasyprint_html()(string="<p>未签章</p>").write_pdf()

    assert _status(_verify(client, unsigned)) == "not_signed"
    assert _status(_verify(client, b"MZ\x90\x00 not a pdf", name="x.exe")) == "unreadable"
    assert _status(_verify(client, b"%PDF-1.7\n1 0 obj <<>> trailer garbage")) == "unreadable"
    empty = client.post(reverse("accounts:verify_document"), {})
    assert empty.status_code == 400 and "请选择" in empty.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 10_000
    too_big = _verify(client, b"%PDF-1.7\n" + b"0" * 20_000)
    assert too_big.status_code == 400 and "超过" in too_big.content.decode()


def test_the_page_is_public_and_only_a_signed_in_check_is_recorded(client, district):
    _project, pdf = _certificate(client, district)

    assert client.get(reverse("accounts:verify_document")).status_code == 200
    _verify(client, pdf)
    assert not AuditEvent.objects.filter(verb=AccountEvents.DOCUMENT_VERIFIED).exists()
    client.force_login(district.discipline)
    _verify(client, pdf)

    checked = AuditEvent.objects.get(verb=AccountEvents.DOCUMENT_VERIFIED)
    assert checked.after["outcome"] == "valid"
    assert checked.after["sha256"] == hashlib.sha256(pdf).hexdigest()


def test_the_settlement_review_is_signed_by_the_finance_bureau(client, district):
    project = accepted(district, *under_way(district, progress="100"))
    projects.settlement_record(
        actor=district.finance, project_id=project.pk, amount="98000", review_record="审定结算"
    )
    client.force_login(district.street_zhenhai)

    pdf = client.get(reverse("projects:settlement_review", args=[project.pk])).content
    answer = _verify(client, pdf)

    assert _status(answer) == "valid"
    assert f'data-testid="signer">{district.finance.organisation.name}<' in answer.content.decode()
    assert AuditEvent.objects.filter(verb=ProjectEvents.SETTLEMENT_REVIEW_ISSUED).count() == 1


def test_no_certificate_before_acceptance(client, district):
    project, _contractor = under_way(district)
    client.force_login(district.street_zhenhai)

    assert (
        client.get(reverse("inspections:acceptance_certificate", args=[project.pk])).status_code
        == 404
    )
    assert client.get(reverse("projects:settlement_review", args=[project.pk])).status_code == 404


def test_the_quarterly_report_is_signed_by_the_department_of_the_evaluation(
    client, district, tmp_path
):
    performance_score_quarter(quarter="2026Q3")
    client.force_login(district.street_zhenhai)

    pdf = client.get(reverse("performance:report_pdf", args=["2026Q3"])).content
    answer = _verify(client, pdf)

    assert _status(answer) == "valid"
    assert f'data-testid="signer">{district.dept.organisation.name}<' in answer.content.decode()
    assert AuditEvent.objects.filter(verb=PerformanceEvents.REPORT_ISSUED).count() == 1
    (tmp_path / "report.pdf").write_bytes(pdf)
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto-Sans-CJK-SC" in fonts  # signing keeps the embedded font


def test_the_set_up_command_makes_private_keys_once_and_renames_reissue(district, settings):
    call_command("signing_keys")
    folder = settings.SIGNING_KEYS_DIR
    key = folder / f"org-{district.zhenhai.pk}-key.pem"
    first_key = key.read_bytes()
    first_cert = (folder / f"org-{district.zhenhai.pk}-cert.pem").read_bytes()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    call_command("signing_keys")
    assert key.read_bytes() == first_key
    assert (folder / f"org-{district.zhenhai.pk}-cert.pem").read_bytes() == first_cert

    Organisation.objects.filter(pk=district.zhenhai.pk).update(name="镇海街道办事处")
    call_command("signing_keys")
    assert key.read_bytes() == first_key
    assert (folder / f"org-{district.zhenhai.pk}-cert.pem").read_bytes() != first_cert


def test_the_keys_are_not_in_the_repository():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/signing-keys/root-key.pem"], check=False
    )
    assert ignored.returncode == 0


def test_a_new_root_reissues_every_certificate_and_old_copies_no_longer_verify(
    client, district, settings, tmp_path
):
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"
    _project, pdf = _certificate(client, district)
    folder = settings.SIGNING_KEYS_DIR
    cert = folder / f"org-{district.zhenhai.pk}-cert.pem"
    before = cert.read_bytes()
    (folder / "root-key.pem").unlink()  # a root made again has the same name, another key

    call_command("signing_keys")

    assert cert.read_bytes() != before
    assert _status(_verify(client, pdf)) == "unknown_signer"
