"""Celery tasks of the projects app: clearing the files kept from refused filing forms."""

from celery import shared_task

from .kept_uploads import forget_stale


@shared_task(acks_late=True)
def forget_kept_uploads() -> int:
    """Nightly: files kept for a retry whose token has expired (projects.kept_uploads)."""
    return forget_stale()
