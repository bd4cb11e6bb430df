"""Reads of site supervision: the ledger as each user may see it, overdue first."""
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.choices import Role
from projects.permissions import projects_visible_to

from .choices import ItemStatus
from .models import InspectionRound, RectificationItem


def item_list(*, user) -> QuerySet[RectificationItem]:
    """Items of the projects the user can see, and items their organisation must fix."""
    if not (user.is_authenticated and user.is_active):
        return RectificationItem.objects.none()
    items = RectificationItem.objects.all()
    if user.role != Role.DISCIPLINE_OFFICER:  # discipline officers read everything
        items = items.filter(Q(project__in=projects_visible_to(user))
                             | Q(responsible_organisation_id=user.organisation_id))
    return (items
            .select_related("project", "responsible_organisation")
            .annotate(closed_last=Case(When(status=ItemStatus.CLOSED, then=Value(1)),
                                       default=Value(0), output_field=IntegerField()))
            .order_by("closed_last", "deadline", "id"))


def round_overview(inspection: InspectionRound, user) -> dict:
    """The three lists (问题—责任—时限) and progress of a round, as the user may see them."""
    # Numbered in the order the round fed them back, whatever their state.
    items = list(item_list(user=user).filter(inspection_round=inspection).order_by("id"))
    closed = sum(1 for i in items if i.status == ItemStatus.CLOSED)
    return {"round": inspection, "items": items, "total": len(items), "closed": closed,
            "percent": round(closed * 100 / len(items)) if items else 0}
