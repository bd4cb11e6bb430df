"""The residents' section of the project page: the public page and its site sign, the rating
summary, held ratings waiting for moderation, and the low-score review."""

from django.utils import timezone

from core.dates import local_date
from projects.public import public_url

from .models import Review
from .selectors import (
    PUBLIC_STATUSES,
    current_policy,
    may_moderate,
    rating_summary,
    rating_window,
)


def residents_panel(request, project):
    if project.status not in PUBLIC_STATUSES:
        return None
    opens, closes = rating_window(project, current_policy(local_date(timezone.now())))
    return "ratings/_panel.html", {
        "project": project,
        "public_url": public_url(project, request),
        "summary": rating_summary(project.pk),
        "opens": opens,
        "closes": closes,
        "reviews": list(Review.objects.filter(project=project).select_related("decided_by")),
        "may_moderate": may_moderate(request.user, project),
    }
