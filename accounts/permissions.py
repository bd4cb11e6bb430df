"""Access to account objects: a user reaches only their own API tokens; street staff reach
the villages of their own street and the appointments of their village supervisors."""

import re

from django.http import Http404

from .choices import OrganisationKind, Role
from .models import TOKEN_ID_LENGTH, ApiToken, Organisation, VillageSupervisor

_TOKEN_ID = re.compile(rf"^[0-9a-f]{{{TOKEN_ID_LENGTH}}}$")


def access_token(user, token_id: str, *, for_update: bool = False) -> ApiToken:
    """The user's own token with this public id; anyone else's, or none, is 404."""
    if not user.is_authenticated:
        raise Http404
    if not _TOKEN_ID.match(token_id or ""):
        raise Http404
    tokens = ApiToken.objects.filter(user=user, digest__startswith=token_id)
    if for_update:
        tokens = tokens.select_for_update()
    token = tokens.first()
    if token is None:
        raise Http404
    return token


def is_street_staff(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.STREET_STAFF
        and user.organisation_id is not None
    )


def access_village(user, village_id, *, for_update: bool = False):
    """A village of the user's own street office; any other (or none) is 404."""
    if not is_street_staff(user):
        raise Http404
    villages = Organisation.objects.filter(
        kind=OrganisationKind.VILLAGE, parent_id=user.organisation_id
    )
    if for_update:
        villages = villages.select_for_update()
    try:
        return villages.get(pk=village_id)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_appointment(user, appointment_id, *, for_update: bool = False):
    """An appointment in a village of the user's own street office; any other is 404."""
    if not is_street_staff(user):
        raise Http404
    rows = VillageSupervisor.objects.filter(village__parent_id=user.organisation_id)
    rows = rows.select_for_update() if for_update else rows.select_related("village", "user")
    try:
        return rows.get(pk=appointment_id)
    except (VillageSupervisor.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
