"""Celery tasks of the residents' side: screening new ratings (enqueued after commit, one per
project per second), the safety net for ratings left pending, and the nightly review check
over recently rated projects (ratings from a network still in its burst window settle)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import Rating
from .services import ratings_screen, review_check, screen_pending


@shared_task(acks_late=True)
def screen_project(project_id: int) -> dict:
    return ratings_screen(project_id)


@shared_task(acks_late=True)
def screen_pending_ratings() -> int:
    return screen_pending()


@shared_task(acks_late=True)
def review_check_recent(days: int = 2) -> int:
    since = timezone.now() - timedelta(days=days)
    project_ids = (
        Rating.objects.filter(created_at__gte=since).values_list("project_id", flat=True).distinct()
    )
    return sum(review_check(pk) is not None for pk in project_ids)
