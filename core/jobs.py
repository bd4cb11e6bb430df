"""Scheduled jobs run on demand: the administrator's "run now" and the embedded default's own
timer, which has no Celery beat (docs/architecture.md, "Jobs"). A job is named by its entry in
settings.CELERY_BEAT_SCHEDULE, so core needs no import of the apps that define the tasks."""

from datetime import datetime, time, timedelta
from importlib import import_module
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .chunks import chunked_job, job_drive
from .dates import SHANGHAI
from .events import job_requested_event
from .models import JobRun, JobState


def job_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in settings.CELERY_BEAT_SCHEDULE]


def job_request(*, actor, job: str, run_here: bool = False) -> JobRun:
    """Record that `job` is to run now (an administrator's request: one audit event) and run
    it: on a worker after commit, or in this process when `run_here` (the embedded default's
    timer, seed_demo)."""
    if job not in settings.CELERY_BEAT_SCHEDULE:
        raise ValidationError({"job": _("没有这个后台任务。")})
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied
    with transaction.atomic(durable=True):
        run = JobRun.objects.create(job=job, requested_by=actor)
        if actor is not None:  # a person's act; the timer's runs are the schedule's, unrecorded
            job_requested_event(actor=actor, run=run)
        if not run_here:  # by name: core.tasks imports this module
            transaction.on_commit(lambda: _task("core.tasks.job_run").delay(run.pk))
    if run_here:
        job_execute(run.pk, here=True)
        run.refresh_from_db()
    return run


def _task(name: str):
    import_module(name.rpartition(".")[0])  # a process that never imported it (tests, shell)
    return current_app.tasks[name]


def job_execute(run_id: int, *, here: bool = False) -> None:
    """Run the job's task in this process and keep what it returned (or why it failed).
    Idempotent: a run already finished is not run again. A long job cut into chunks
    (settings.CHUNKED_JOBS) goes chunk by chunk instead: all here when `here`, else from the
    chunk it stands at onwards on the `jobs` workers (core.chunks)."""
    run = JobRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if run is None:
        return
    entry: dict[str, Any] = settings.CELERY_BEAT_SCHEDULE[run.job]
    if chunked_job(run.job) is not None:
        if run.total is None and not run.params:
            JobRun.objects.filter(pk=run.pk).update(params=dict(entry.get("kwargs", {})))
        job_drive(run.pk, run.chunks, here=here)
        return
    started = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(
        state=JobState.RUNNING, started_at=started, progressed_at=started
    )
    task = _task(str(entry["task"]))
    result = task.apply(args=tuple(entry.get("args", ())), kwargs=dict(entry.get("kwargs", {})))
    ok = result.successful()
    finished = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(
        state=JobState.DONE if ok else JobState.FAILED,
        finished_at=finished,
        progressed_at=finished,
        ok=ok,
        outcome=str(result.result)[:4000] if ok else "",
        error="" if ok else str(result.traceback or result.result)[:4000],
    )


def nightly_jobs_run(*, actor=None) -> list[JobRun]:
    """The nightly jobs in their beat order (patrol logs before credit, credit before risk and
    warnings), each run here and recorded."""
    return [job_request(actor=actor, job=job, run_here=True) for job in settings.NIGHTLY_JOBS]


def next_nightly_run(now: datetime) -> datetime:
    """The next NIGHTLY_JOBS_AT (Asia/Shanghai) after `now`."""
    local = now.astimezone(SHANGHAI)
    at = datetime.combine(local.date(), time.fromisoformat(settings.NIGHTLY_JOBS_AT), SHANGHAI)
    return at if at > local else at + timedelta(days=1)
