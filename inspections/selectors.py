"""Reads of site supervision: the ledger as each user may see it, overdue first."""
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from projects.permissions import projects_visible_to

from .choices import ItemStatus
from .models import RectificationItem


def item_list(*, user) -> QuerySet[RectificationItem]:
    """Items of the projects the user can see, and items their organisation must fix."""
    if not (user.is_authenticated and user.is_active):
        return RectificationItem.objects.none()
    return (RectificationItem.objects
            .filter(Q(project__in=projects_visible_to(user))
                    | Q(responsible_organisation_id=user.organisation_id))
            .select_related("project", "responsible_organisation")
            .annotate(closed_last=Case(When(status=ItemStatus.CLOSED, then=Value(1)),
                                       default=Value(0), output_field=IntegerField()))
            .order_by("closed_last", "deadline", "id"))
