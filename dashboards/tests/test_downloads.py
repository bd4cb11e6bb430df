"""Files made on workers (core/downloads.py, docs/architecture.md "Exports and documents"): an
export link asks for the file and sends its reader to the file's page; only the owner reaches
it; the same request twice is one file; a maker that may no longer make it, or fails, leaves the
file failed with a reason; old files go."""

from dataclasses import replace
from datetime import timedelta
from io import BytesIO
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import Role
from accounts.tests.factories import UserFactory
from core import downloads
from core.events import CoreEvents
from core.models import AuditEvent, Download, DownloadState
from core.testing import download_followed
from dashboards.anomalies import KINDS
from projects.models import Project

from .conftest import build_world


@pytest.fixture
def world(district):
    return build_world(district)


POLLING = 'hx-trigger="every 2s"'  # a file's page, or the list, asking again (not the bell)


def _queued():
    """As with workers: the file stays queued (nothing is sent to a broker either)."""
    from contextlib import ExitStack

    from config.celery import app

    stack = ExitStack()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    stack.callback(setattr, app.conf, "task_always_eager", eager)
    stack.enter_context(mock.patch("core.outbox.publish"))
    return stack


def _ask(client, user, url: str) -> Download:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    return Download.objects.get(pk=response["Location"].split("/")[2])


def test_an_anomaly_export_holds_every_row_of_the_list(client, district, world):
    slug = "settlements"
    rows = KINDS[slug].rows(Project.objects.all())
    client.force_login(district.discipline)
    sent = download_followed(client, reverse("dashboards:anomaly", args=[slug]) + "?format=xlsx")
    assert sent["Content-Disposition"].startswith('attachment; filename="anomalies-settlements-')
    sheet = list(load_workbook(BytesIO(sent.content)).active.iter_rows(values_only=True))
    assert len(sheet[5:]) == len(rows) > 0
    download = Download.objects.get()
    assert (download.state, download.owner, download.kind) == (
        DownloadState.READY,
        district.discipline,
        "dashboards.anomalies",
    )
    assert download.size == len(sent.content)
    # asked for (a write, with the page's query) and fetched (a read), each recorded
    verbs = list(
        AuditEvent.objects.filter(object_id=str(download.pk)).values_list("verb", flat=True)
    )
    assert sorted(verbs) == sorted([CoreEvents.DOWNLOAD_REQUESTED, CoreEvents.DOWNLOAD_FETCHED])


def test_only_the_owner_reaches_the_file(client, district, world):
    download = _ask(client, district.discipline, reverse("dashboards:projects") + "?format=xlsx")
    assert download.state == DownloadState.READY
    other = UserFactory(role=Role.DISCIPLINE_OFFICER, organisation=district.discipline.organisation)
    client.force_login(other)
    for name in ("download", "download_file"):
        assert client.get(reverse(name, args=[download.pk])).status_code == 404
    assert str(download.pk) not in client.get(reverse("downloads")).content.decode()
    client.force_login(district.street_zhenhai)  # not a discipline officer: cannot even ask
    assert client.get(reverse("dashboards:projects") + "?format=xlsx").status_code == 403


def test_the_same_request_twice_is_one_file(client, district, world):
    url = reverse("dashboards:projects") + "?format=xlsx&status=in_progress"
    first = _ask(client, district.discipline, url)
    assert _ask(client, district.discipline, url) == first
    assert Download.objects.count() == 1
    # another filter is another file
    assert _ask(client, district.discipline, url.replace("in_progress", "completed")) != first


def test_a_request_that_meets_one_in_the_making_gets_that_one(district):
    """Two requests at once: the unique index keeps one in the making; the second answers
    with it (here the first was asked for before the few minutes a reload is recognised in)."""
    params = {"query": {}}
    with mock.patch.object(downloads, "SAME_REQUEST", timedelta(0)):
        with _queued():  # not made yet: still queued
            first = downloads.download_request(
                actor=district.discipline, kind="dashboards.projects", params=params, title="x"
            )
        assert first.state == DownloadState.QUEUED
        again = downloads.download_request(
            actor=district.discipline, kind="dashboards.projects", params=params, title="x"
        )
    assert again.pk == first.pk
    assert Download.objects.count() == 1


def test_a_file_asked_for_by_someone_no_longer_allowed_fails_with_the_reason(client, district):
    with _queued():
        download = downloads.download_request(
            actor=district.discipline,
            kind="dashboards.projects",
            params={"query": {}},
            title="项目清单",
        )
    type(district.discipline).objects.filter(pk=district.discipline.pk).update(
        role=Role.STREET_STAFF
    )
    downloads.download_make(str(download.pk))
    download.refresh_from_db()
    assert download.state == DownloadState.FAILED and not download.file
    assert download.error == "您已无权获取这份文件。"


def test_a_maker_that_fails_leaves_the_file_failed_and_is_not_run_twice(client, district):
    kind = downloads.KINDS["dashboards.projects"]
    broken = mock.Mock(side_effect=RuntimeError("boom"))
    with mock.patch.dict(downloads.KINDS, {kind.name: replace(kind, make=broken)}):
        download = _ask(
            client, district.discipline, reverse("dashboards:projects") + "?format=xlsx"
        )
        assert download.state == DownloadState.FAILED
        assert "请稍后再试" in download.error
        page = client.get(reverse("download", args=[download.pk])).content.decode()
        assert 'data-state="failed"' in page and download.error in page
        assert client.get(reverse("download_file", args=[download.pk])).status_code == 404
        downloads.download_make(str(download.pk))  # delivered again: not made again
    assert broken.call_count == 1


def test_the_file_page_polls_while_in_the_making_and_then_shows_the_link(client, district):
    with _queued():
        download = downloads.download_request(
            actor=district.discipline, kind="dashboards.projects", params={"query": {}}, title="t"
        )
    client.force_login(district.discipline)
    page = client.get(reverse("download", args=[download.pk])).content.decode()
    assert 'data-state="queued"' in page and POLLING in page
    downloads.download_make(str(download.pk))
    part = client.get(reverse("download", args=[download.pk]), headers={"HX-Request": "true"})
    text = part.content.decode()
    assert "<html" not in text and 'data-state="ready"' in text and POLLING not in text
    assert reverse("download_file", args=[download.pk]) in text


def test_the_list_of_files_keeps_its_query_count(client, district):
    client.force_login(district.discipline)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("downloads")).status_code == 200
        return len(captured)

    with _queued():
        downloads.download_request(
            actor=district.discipline, kind="dashboards.projects", params={"query": {}}, title="t"
        )
        few = queries()
        for n in range(10):
            downloads.download_request(
                actor=district.discipline,
                kind="dashboards.projects",
                params={"query": {"n": [str(n)]}},
                title=f"t{n}",
            )
    assert queries() == few


def test_files_are_deleted_after_their_days(client, district, world, settings):
    download = _ask(client, district.discipline, reverse("dashboards:projects") + "?format=xlsx")
    storage, name = download.file.storage, download.file.name
    assert storage.exists(name)
    assert downloads.downloads_expire() == 0
    later = timezone.now() + timedelta(days=settings.DOWNLOAD_KEEP_DAYS, minutes=1)
    assert downloads.downloads_expire(now=later) == 1
    assert not storage.exists(name) and not Download.objects.exists()


def test_the_list_polls_while_a_file_is_in_the_making_and_stops_after(client, district):
    client.force_login(district.discipline)
    with _queued():
        download = downloads.download_request(
            actor=district.discipline, kind="dashboards.projects", params={"query": {}}, title="t"
        )
    page = client.get(reverse("downloads"))
    assert page.status_code == 200 and POLLING in page.content.decode()
    asked = client.get(reverse("downloads"), headers={"HX-Request": "true"})
    assert asked.status_code == 200  # still in the making: polling goes on
    downloads.download_make(str(download.pk))
    done = client.get(reverse("downloads"), headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx swaps this last list in and stops asking
    assert reverse("download_file", args=[download.pk]) in done.content.decode()
    assert POLLING not in client.get(reverse("downloads")).content.decode()
