"""Every upload endpoint refuses every file of the hostile corpus with a message in Chinese and
writes nothing: site photos on the patrol-log, progress and spot-check pages and the two photo
APIs; documents on the filing and editing pages, the payment request (invoice) and the design
change (drawings). Too many files in one request are refused before they are read."""

import re
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from approvals.models import ChangeOrder
from core.uploads import check_document
from inspections.models import PatrolLog, Photo, ProgressReport, SpotCheck
from inspections.photos import inspect_photo
from projects.models import Payment, ProjectAttachment
from projects.tests.factories import make_project, project_form_data
from tests.funds_helpers import under_way

from .corpus import JPEG, document_corpus, photo_corpus

pytestmark = pytest.mark.django_db
REFUSED: dict[str, int] = {}  # endpoint -> files refused (printed for the README)


def _file(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _shown(response) -> str:
    """What the user reads: the page after the redirect, or the API's JSON."""
    if response["Content-Type"].startswith("application/json"):
        return str(response.json())
    return response.content.decode()


def _refuses_all(post, corpus, written, endpoint):
    failures = []
    for name, data, words in corpus:
        response = post(_file(name, data))
        text = _shown(response)
        if response.status_code >= 500 or not re.search(words, text):
            failures.append((name, response.status_code, text[:200]))
    assert not failures, failures
    assert written() == 0, f"{endpoint} wrote something"
    REFUSED[endpoint] = len(corpus)


# --- the checks themselves ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "words"), photo_corpus(), ids=lambda v: repr(v)[:30])
def test_the_photo_check_refuses_each_hostile_file(name, data, words):
    with pytest.raises(ValidationError) as refused:
        inspect_photo(_file(name, data), filename=name)
    assert re.search(words, " ".join(refused.value.messages))


@pytest.mark.parametrize(("name", "data", "words"), document_corpus(), ids=lambda v: repr(v)[:30])
def test_the_document_check_refuses_each_hostile_file(name, data, words):
    with pytest.raises(ValidationError) as refused:
        check_document(_file(name, data))
    assert re.search(words, " ".join(refused.value.messages))


def test_the_corpus_is_big_enough():
    assert len(photo_corpus()) >= 20 and len(document_corpus()) >= 20


# --- site photos, pages and API -------------------------------------------------------------


@pytest.fixture
def site(district):
    project, contractor = under_way(district, progress=None)
    return project, contractor


def test_patrol_log_page_and_api_refuse_the_corpus(client, district, site):
    project, _ = site
    client.force_login(district.supervisor)

    def fields():
        return {
            "client_key": str(uuid.uuid4()),
            "log_date": timezone.localdate().isoformat(),
            "weather": "晴",
            "work_done": "铺设人行道砖",
            "head_count": "5",
        }

    page = reverse("inspections:patrol_log", args=[project.pk])
    _refuses_all(
        lambda f: client.post(page, {**fields(), "photos": [f]}, follow=True),
        photo_corpus(),
        lambda: PatrolLog.objects.count() + Photo.objects.count(),
        "patrol log page",
    )
    api = reverse("api-patrol-logs", args=[project.pk])
    _refuses_all(
        lambda f: client.post(api, {**fields(), "photos": [f]}),
        photo_corpus(),
        lambda: PatrolLog.objects.count() + Photo.objects.count(),
        "patrol log API",
    )
    bomb = client.post(api, {**fields(), "photos": [_file("b.png", photo_corpus()[5][1])]})
    assert bomb.status_code == 400 and "像素过多" in bomb.json()["message"] + str(bomb.json())


def test_progress_page_and_api_refuse_the_corpus(client, site):
    project, contractor = site
    client.force_login(contractor)
    page = reverse("inspections:progress", args=[project.pk])
    api = reverse("api-progress", args=[project.pk])

    def data():
        return {"percent": "30", "text": "基层完成", "client_key": str(uuid.uuid4())}

    written = ProgressReport.objects.count
    _refuses_all(
        lambda f: client.post(page, {**data(), "photos": [f]}, follow=True),
        photo_corpus(),
        lambda: written() + Photo.objects.count(),
        "progress page",
    )
    _refuses_all(
        lambda f: client.post(api, {**data(), "photos": [f]}),
        photo_corpus(),
        lambda: written() + Photo.objects.count(),
        "progress API",
    )


def test_spot_check_page_refuses_the_corpus(client, district, site):
    project, _ = site
    client.force_login(district.dept)
    page = reverse("inspections:spot_check", args=[project.pk])
    _refuses_all(
        lambda f: client.post(
            page,
            {"item_name": ["平整度"], "item_passed": ["1"], "item_note": [""], "photos": [f]},
            follow=True,
        ),
        photo_corpus(),
        lambda: SpotCheck.objects.count() + Photo.objects.count(),
        "spot check page",
    )


# --- documents ----------------------------------------------------------------------------------


def test_filing_and_editing_pages_refuse_the_corpus(client, district):
    from projects.models import Project

    client.force_login(district.street_zhenhai)
    create = reverse("projects:create")
    _refuses_all(
        lambda f: client.post(create, {**project_form_data(), "attachments": [f]}),
        document_corpus(),
        lambda: Project.objects.count() + ProjectAttachment.objects.count(),
        "filing page",
    )
    project = make_project(district.street_zhenhai)
    edit = reverse("projects:edit", args=[project.pk])
    _refuses_all(
        lambda f: client.post(edit, {**project_form_data(), "attachments": [f]}),
        document_corpus(),
        ProjectAttachment.objects.count,
        "editing page",
    )


def test_payment_invoice_and_change_drawings_refuse_the_corpus(client, site):
    project, contractor = site
    client.force_login(contractor)
    payments = reverse("projects:payment_request", args=[project.pk])
    _refuses_all(
        lambda f: client.post(
            payments, {"stage": "progress", "amount": "1000", "invoice": f}, follow=True
        ),
        document_corpus(),
        Payment.objects.count,
        "payment invoice",
    )
    changes = reverse("approvals:change_request", args=[project.pk])
    _refuses_all(
        lambda f: client.post(
            changes, {"amount_delta": "1000", "reason": "加宽", "drawings": f}, follow=True
        ),
        document_corpus(),
        ChangeOrder.objects.count,
        "change drawings",
    )


def test_a_valid_file_with_a_hostile_name_is_stored_under_a_name_of_ours(client, district):
    client.force_login(district.street_zhenhai)
    pdf = _file("../../../config/settings.pdf", b"%PDF-1.4\n%%EOF\n")
    client.post(reverse("projects:create"), {**project_form_data(), "attachments": [pdf]})
    stored = ProjectAttachment.objects.get()
    assert stored.original_name == "settings.pdf"
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", stored.file.name)
    assert (settings.MEDIA_ROOT / stored.file.name).is_file()


# --- how many files -----------------------------------------------------------------------------


def test_eleven_photos_get_the_forms_message_and_too_many_files_never_reach_the_view(
    client, district, site
):
    project, _ = site
    client.force_login(district.supervisor)
    api = reverse("api-patrol-logs", args=[project.pk])
    fields = {
        "client_key": str(uuid.uuid4()),
        "log_date": timezone.localdate().isoformat(),
        "weather": "晴",
        "work_done": "铺设",
        "head_count": "5",
    }
    eleven = client.post(api, {**fields, "photos": [_file(f"{n}.jpg", JPEG) for n in range(11)]})
    assert eleven.status_code == 400 and "最多上传 10 张" in str(eleven.json())
    many = settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    flood = client.post(api, {**fields, "photos": [_file(f"{n}.jpg", JPEG) for n in range(many)]})
    assert flood.status_code == 400
    page = client.post(
        reverse("inspections:patrol_log", args=[project.pk]),
        {**fields, "photos": [_file(f"{n}.jpg", JPEG) for n in range(many)]},
    )
    assert page.status_code == 400
    assert PatrolLog.objects.count() == 0 and Photo.objects.count() == 0


def test_eleven_attachments_are_refused_in_chinese(client, district):
    client.force_login(district.street_zhenhai)
    pdfs = [_file(f"{n}.pdf", b"%PDF-1.4\n%%EOF\n") for n in range(11)]
    response = client.post(reverse("projects:create"), {**project_form_data(), "attachments": pdfs})
    assert "一次最多上传 10 个文件" in response.content.decode()
    assert ProjectAttachment.objects.count() == 0


def test_upload_limits_are_set():
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 20
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 1000


def test_print_refusals():
    """Figures for the README (run with -s)."""
    if REFUSED:
        total = sum(REFUSED.values())
        print(
            f"\nUPLOADS refused: {total} requests over {len(REFUSED)} endpoints "
            f"({len(photo_corpus())} hostile photos, {len(document_corpus())} hostile documents)"
        )
        for endpoint, n in REFUSED.items():
            print(f"  {endpoint}: {n} refused, nothing written")
