"""Files chosen on a refused filing form are kept for the next try (issue #16 point 3): the page
names them, the next submission attaches them with their kinds, nobody else can use their
tokens, and what is never attached is cleared after a day."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects.kept_uploads import forget_stale
from projects.models import Project
from projects.tests.factories import project_form_data

pytestmark = pytest.mark.django_db


def pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", "application/pdf")


def _tokens(page: str) -> list[str]:
    return re.findall(r'name="kept_files" value="([^"]+)"', page)


def test_a_refused_form_keeps_its_files_for_the_next_try(client, district):
    client.force_login(district.street_zhenhai)
    refused = client.post(
        reverse("projects:create"),
        {
            **project_form_data(name=""),  # the name is missing
            "attachments": [pdf("申请.pdf")],
            "attachments_drawing": [pdf("平面图.pdf")],
        },
    ).content.decode()
    assert Project.objects.count() == 0
    assert "申请.pdf（申报材料）" in refused and "平面图.pdf（图纸）" in refused
    tokens = _tokens(refused)
    assert len(tokens) == 2
    # the other street's officer cannot use them
    client.force_login(district.street_gongchen)
    client.post(reverse("projects:create"), {**project_form_data(), "kept_files": tokens})
    assert Project.objects.get().attachments.count() == 0
    Project.objects.all().delete()
    # the next try of the same officer attaches them, each with its kind, and clears the copies
    client.force_login(district.street_zhenhai)
    client.post(reverse("projects:create"), {**project_form_data(), "kept_files": tokens})
    project = Project.objects.get()
    assert dict(project.attachments.values_list("original_name", "kind")) == {
        "申请.pdf": "application",
        "平面图.pdf": "drawing",
    }
    assert default_storage.listdir(f"pending/{district.street_zhenhai.pk}")[1] == []


def test_a_hostile_file_is_not_kept_and_stale_copies_are_cleared(client, district):
    client.force_login(district.street_zhenhai)
    refused = client.post(
        reverse("projects:create"),
        {
            **project_form_data(name=""),
            "attachments": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00", "application/pdf")],
            "attachments_other": [pdf("说明.pdf")],
        },
    ).content.decode()
    assert len(_tokens(refused)) == 1 and "说明.pdf" in refused
    assert forget_stale() == 0  # fresh
    assert forget_stale(timezone.now() + timedelta(days=2)) == 1
