"""A task enqueued after commit is consumed from Redis by a real `celery worker` process."""

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from config.celery import app as celery_app
from core.audit import record_event, verify_chain
from core.models import AuditHead
from core.tasks import audit_verify_chain
from tests.workers import start_worker

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker_queue():
    """Start a worker on a queue of its own, against the test database; stop it after."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the files a worker makes, read here
    }
    worker = start_worker(queue, env, text=True)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue, worker
    finally:
        celery_app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_commit_is_run_by_a_real_worker(worker_queue):
    queue, worker = worker_queue
    with transaction.atomic():
        for i in range(3):
            record_event(actor=None, verb="test.event", object_type="test.thing", object_id=str(i))
        transaction.on_commit(lambda: audit_verify_chain.apply_async(queue=queue))
        # Nothing is sent before the commit.
        assert AuditHead.objects.count() == 0

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not AuditHead.objects.exists():
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.2)
    head = AuditHead.objects.get()
    assert (head.count, head.intact) == (3, True)
    assert head.hash == verify_chain().head_hash
    worker.terminate()
    log = worker.communicate(timeout=15)[0]
    assert "core.tasks.audit_verify_chain" in log and "succeeded" in log


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_nightly_patrol_log_check_runs_on_a_real_worker(worker_queue, district):
    from datetime import date, datetime

    from core.dates import SHANGHAI
    from inspections.models import PatrolViolation
    from inspections.tasks import find_missing_patrol_logs
    from projects.models import Project
    from tests.funds_helpers import under_way

    queue, worker = worker_queue
    project, _ = under_way(district, progress=None)
    Project.objects.filter(pk=project.pk).update(
        started_at=datetime(2026, 11, 2, 9, tzinfo=SHANGHAI)
    )  # a Monday
    # Up to Sunday 8 November: Tuesday to Friday are missing; the weekend is not checked.
    find_missing_patrol_logs.apply_async(kwargs={"until": "2026-11-08"}, queue=queue)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and PatrolViolation.objects.count() < 4:
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.2)
    time.sleep(0.5)
    assert sorted(d.day for d in PatrolViolation.objects.all()) == [
        date(2026, 11, day) for day in (3, 4, 5, 6)
    ]
    assert {v.supervision_unit_id for v in PatrolViolation.objects.all()} == {
        project.supervision_unit_id
    }


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rating_is_screened_by_a_real_worker(worker_queue, district, settings):
    from unittest import mock

    from approvals.services import project_transition
    from ratings.choices import RatingStatus
    from ratings.models import Rating
    from ratings.services import RatingInput, rating_record
    from tests.funds_helpers import under_way

    queue, worker = worker_queue
    project, contractor = under_way(district, progress="100")
    project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    project.refresh_from_db()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The service enqueues the screening by its name; only the queue is this worker's.
    send_task = celery_app.send_task
    with mock.patch.object(
        celery_app, "send_task", lambda name, **options: send_task(name, queue=queue, **options)
    ):
        with transaction.atomic():
            rating = rating_record(
                project=project, device="d-1", address="61.5.5.5", data=RatingInput(score=93)
            )
        assert Rating.objects.get(pk=rating.pk).status == RatingStatus.PENDING

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        Rating.objects.get(pk=rating.pk).status == RatingStatus.PENDING
    ):
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.2)
    assert Rating.objects.get(pk=rating.pk).status == RatingStatus.COUNTED
    worker.terminate()
    log = worker.communicate(timeout=15)[0]
    assert "ratings.tasks.screen_project" in log and "succeeded" in log


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_export_asked_for_on_a_page_is_made_by_a_real_worker(worker_queue, district, settings):
    """The export link answers at once with the file's page, the file in the making; a worker
    makes it (core.downloads) and the page then offers it."""
    from io import BytesIO

    from django.test import Client
    from openpyxl import load_workbook

    from core.models import Download, DownloadState

    queue, worker = worker_queue
    settings.OUTBOX_TASK_QUEUE = queue  # the maker's task on this worker's queue
    client = Client()
    client.force_login(district.discipline)
    asked = client.get("/dashboards/projects/?format=xlsx")
    assert asked.status_code == 302
    download = Download.objects.get()
    assert download.state in (DownloadState.QUEUED, DownloadState.RUNNING)
    assert 'hx-trigger="every' in client.get(asked["Location"]).content.decode()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and Download.objects.get().pending:
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.2)
    download.refresh_from_db()
    assert download.state == DownloadState.READY, download.error
    sent = client.get(asked["Location"] + "file")
    book = load_workbook(BytesIO(b"".join(sent.streaming_content)))
    assert book.active["A1"].value == "项目清单"
    worker.terminate()
    log = worker.communicate(timeout=15)[0]
    assert "core.tasks.export_make" in log and "succeeded" in log
