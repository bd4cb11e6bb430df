"""Celery tasks of the core: the nightly audit-chain check, the signing of each day's head, the
outbox relay, and the runs of jobs: one asked for now, one chunk of a long job, the sweep of
long jobs that stopped moving; the exports and PDF reports made for the people who asked, and
their nightly expiry."""

from celery import shared_task

from . import outbox
from .chunks import job_drive, jobs_resume_stale
from .downloads import download_make
from .downloads import downloads_expire as expire_downloads
from .heads import heads_sign, take_head
from .jobs import job_execute


@shared_task(acks_late=True)
def audit_verify_chain(full: bool = False) -> dict:
    """From the last signed head (seconds); `full` hashes every event again (the weekly run)."""
    head = take_head(full=full)
    return {"id": head.pk, "count": head.count, "hash": head.hash, "intact": head.intact}


@shared_task(acks_late=True)
def audit_sign_heads() -> dict:
    """Without a key (production not configured) it signs nothing and says why: no retry."""
    outcome = heads_sign()
    return {
        "signed": [
            {"date": h.day.isoformat(), "count": h.count, "hash": h.hash} for h in outcome.signed
        ],
        "error": outcome.error,
    }


@shared_task(acks_late=True)
def outbox_relay() -> int:
    return outbox.relay()


@shared_task(acks_late=True)
def job_run(run_id: int) -> None:
    """A scheduled job asked for now (core.jobs.job_request); runs once whatever the retries."""
    job_execute(run_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def job_chunk(run_id: int, seq: int) -> None:
    """One chunk of a long job (core.chunks); it asks for the next one when it commits. Lost
    with its worker, it is handed out again; delivered twice, it is done once."""
    job_drive(run_id, seq)


@shared_task(acks_late=True)
def job_runs_resume_stale() -> int:
    return jobs_resume_stale()


@shared_task(acks_late=True)
def export_make(download_id: str) -> None:
    """An Excel export asked for on a page (core.downloads), on the `exports` queue."""
    download_make(download_id)


@shared_task(acks_late=True)
def document_make(download_id: str) -> None:
    """A PDF report asked for on a page (core.downloads), on the `documents` queue."""
    download_make(download_id)


@shared_task(acks_late=True)
def downloads_expire() -> int:
    """The nightly deletion of the files made more than DOWNLOAD_KEEP_DAYS ago."""
    return expire_downloads()
