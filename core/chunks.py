"""Long jobs cut into chunks (docs/architecture.md, "Long jobs"): each chunk is one transaction
that does its share of the work and moves the run's cursor and progress with it, then asks for
the next chunk. A worker that dies mid-chunk leaves nothing of it; the run resumes from the
saved cursor, and a chunk delivered twice is done once.

A job is named by its beat entry (settings.CHUNKED_JOBS maps it to its ChunkedJob), so core
imports none of the apps that define them."""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app, current_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .events import job_resumed_event
from .models import JobRun, JobState
from .outbox import enqueue

log = logging.getLogger(__name__)
CHUNK_TASK = "core.tasks.job_chunk"
# A run that has not moved for this long has lost its chunk (the message as well as the
# worker): longer than the broker's visibility timeout, after which Redis hands a task lost
# with its worker out again by itself.
STALE_AFTER = timedelta(minutes=30)


@dataclass
class ChunkedJob:
    """`begin(params)` fixes the run's parameters (defaults resolved, so a resumed run does the
    same work) and counts its units; `step(run, size)` does the next at most `size` units after
    `run.cursor` and returns (new cursor, units done) — 0 units when nothing is left;
    `finish(run)` folds the chunks' results into the final ones and says what was done. Step
    and finish run inside the chunk's transaction and must not open a durable one."""

    size: int
    begin: Callable[[dict], tuple[dict, int]]
    step: Callable[[JobRun, int], tuple[Any, int]]
    finish: Callable[[JobRun], str]


def chunked_job(name: str) -> ChunkedJob | None:
    path = settings.CHUNKED_JOBS.get(name)
    return import_string(path) if path else None


def job_start(name: str, **params) -> JobRun:
    """A run of the chunked job `name` started by its schedule (on a `jobs` worker): recorded,
    then driven from this process."""
    if chunked_job(name) is None:
        raise ValidationError({"job": _("没有这个后台任务。")})
    run = JobRun.objects.create(job=name, params=params)
    job_drive(run.pk)
    run.refresh_from_db()
    return run


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _this_queue() -> str:
    """The queue the task running now came from: a run's next chunk follows its last one."""
    request = getattr(current_task, "request", None)
    return str((getattr(request, "delivery_info", None) or {}).get("routing_key") or "")


def _go_on(run_id: int, seq: int) -> None:
    """From inside a transaction: chunk `seq` onwards once it commits — on a worker through the
    outbox, or here in one go when tasks are eager."""
    if _eager():
        transaction.on_commit(lambda: job_drive(run_id, seq, here=True))
    else:
        enqueue(CHUNK_TASK, run_id=run_id, seq=seq)


def job_drive(run_id: int, seq: int = 0, *, here: bool = False) -> None:
    """Do chunk `seq` of the run and go on: every chunk in this process when `here` or when
    tasks are eager (the embedded default: one go), else the next chunk on a `jobs` worker."""
    here = here or _eager()
    next_seq: int | None = seq
    while next_seq is not None:
        next_seq = chunk_run(run_id, next_seq, enqueue_next=not here)
        if not here:
            return


def chunk_run(run_id: int, seq: int, *, enqueue_next: bool = False) -> int | None:
    """Chunk number `seq` of the run, in one transaction with the run's cursor and progress.
    Returns the next chunk's number, or None: the run is finished or failed, or this chunk was
    done already (a duplicate delivery, a resume racing the redelivered task)."""
    now = timezone.now()
    JobRun.objects.filter(pk=run_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, progressed_at=now
    )
    try:
        with transaction.atomic(durable=True):
            run = JobRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.state != JobState.RUNNING or run.chunks != seq:
                return None
            job = chunked_job(run.job)
            if job is None:
                raise ValidationError(f"no chunked job {run.job}")
            if run.total is None:
                run.params, run.total = job.begin(dict(run.params))
            cursor, units = job.step(run, job.size)
            run.chunks += 1
            run.progressed_at = timezone.now()
            if units:
                run.cursor, run.done = cursor, run.done + units
                if enqueue_next:
                    enqueue(CHUNK_TASK, on_queue=_this_queue(), run_id=run.pk, seq=run.chunks)
            else:
                run.outcome = job.finish(run)[:4000]
                run.state, run.ok, run.finished_at = JobState.DONE, True, run.progressed_at
            run.save()
            return run.chunks if units else None
    except Exception as exc:  # the chunk rolled back: the run stops where its last one left it
        log.exception("job run %s failed in chunk %s", run_id, seq)
        JobRun.objects.filter(pk=run_id).update(
            state=JobState.FAILED,
            ok=False,
            progressed_at=timezone.now(),
            error=f"{exc!r}\n{traceback.format_exc()}"[:4000],
        )
        return None


def _stale(run: JobRun, now) -> bool:
    last = run.progressed_at or run.created_at
    return run.state in (JobState.QUEUED, JobState.RUNNING) and last < now - STALE_AFTER


def job_resume(*, actor, run_id: int) -> JobRun:
    """An administrator's resume of a failed or stalled chunked run from its saved cursor (one
    audit event). The chunks already done are not done again."""
    if not actor.is_superuser:
        raise PermissionDenied
    with transaction.atomic(durable=True):
        run = JobRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or chunked_job(run.job) is None:
            raise ValidationError(_("只有分块运行的长任务可以续跑。"))
        if run.state != JobState.FAILED and not _stale(run, timezone.now()):
            raise ValidationError(_("该任务未失败也未停滞，不能续跑。"))
        before = run.state
        run.state, run.ok = JobState.RUNNING, None
        run.save(update_fields=["state", "ok", "updated_at"])
        job_resumed_event(actor=actor, run=run, before={"state": before})
        _go_on(run.pk, run.chunks)
    return run


def jobs_resume_stale() -> int:
    """The schedule's safety net: chunked runs that stopped moving (their chunk lost with the
    broker, not just with a worker) are asked for again from their cursor. A chunk that was
    only slow is then delivered twice and done once."""
    now = timezone.now()
    runs = [
        run
        for run in JobRun.objects.filter(
            state__in=(JobState.QUEUED, JobState.RUNNING), job__in=list(settings.CHUNKED_JOBS)
        )
        if _stale(run, now)
    ]
    for run in runs:
        with transaction.atomic():
            _go_on(run.pk, run.chunks)
    return len(runs)
