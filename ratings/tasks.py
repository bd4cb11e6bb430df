"""Celery tasks of the residents' side: the nightly review check over recently rated
projects (ratings held back while a burst could still show have settled by then)."""
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import Rating
from .services import review_check


@shared_task(acks_late=True)
def review_check_recent(days: int = 2) -> int:
    since = timezone.now() - timedelta(days=days)
    project_ids = (Rating.objects.filter(created_at__gte=since)
                   .values_list("project_id", flat=True).distinct())
    return sum(review_check(pk) is not None for pk in project_ids)
