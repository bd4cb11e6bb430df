"""Scheduled jobs on demand: the administrator's "run now" in the admin (audited), the
embedded default's nightly timer (manage.py run_jobs)."""

from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.dates import SHANGHAI
from core.events import CoreEvents
from core.jobs import next_nightly_run
from core.models import AuditEvent, JobRun

pytestmark = pytest.mark.django_db


def test_an_administrator_runs_a_nightly_job_now_and_it_is_audited(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.admin)
    page = client.get(reverse("admin:core_jobrun_run"))
    assert page.status_code == 200 and "performance-credit-nightly" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:core_jobrun_run"), {"job": "performance-credit-nightly"}
        )
    assert response.status_code == 302
    run = JobRun.objects.get()
    assert (run.job, run.requested_by, run.ok) == (
        "performance-credit-nightly",
        district.admin,
        True,
    )
    assert run.finished_at is not None and run.outcome
    event = AuditEvent.objects.get(verb=CoreEvents.JOB_REQUESTED)
    assert (event.actor, event.after) == (district.admin, {"job": "performance-credit-nightly"})
    listing = client.get(reverse("admin:core_jobrun_changelist")).content.decode()
    assert "performance-credit-nightly" in listing


def test_an_unknown_job_is_refused_and_only_superusers_may_run(client, district):
    client.force_login(district.admin)
    client.post(reverse("admin:core_jobrun_run"), {"job": "rm -rf"})
    assert not JobRun.objects.exists()
    district.dept.is_staff = True
    district.dept.save()
    client.force_login(district.dept)
    response = client.post(reverse("admin:core_jobrun_run"), {"job": "performance-credit-nightly"})
    assert response.status_code in (302, 403)
    assert not JobRun.objects.exists()


def test_run_jobs_runs_the_nightly_jobs_in_order(district, settings):
    out = StringIO()
    call_command("run_jobs", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == settings.NIGHTLY_JOBS
    assert all(": ok" in line for line in lines)
    assert JobRun.objects.filter(ok=True).count() == len(settings.NIGHTLY_JOBS)
    assert not AuditEvent.objects.filter(verb=CoreEvents.JOB_REQUESTED).exists()


def test_the_next_nightly_run_is_one_in_the_morning_shanghai(settings):
    settings.NIGHTLY_JOBS_AT = "01:00"
    before = datetime(2026, 12, 3, 0, 30, tzinfo=SHANGHAI)
    after = datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)
    assert next_nightly_run(before) == datetime(2026, 12, 3, 1, 0, tzinfo=SHANGHAI)
    assert next_nightly_run(after) == datetime(2026, 12, 4, 1, 0, tzinfo=SHANGHAI)
