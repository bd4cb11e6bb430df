"""Reads of account objects: a user's own API tokens; a street office's villages; the districts
a user's work is bound to."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from knox.settings import knox_settings

from .choices import OrganisationKind, RegionLevel
from .models import ApiToken, Organisation, Region, VillageSupervisor


@dataclass(frozen=True)
class TokenRow:
    id: str
    created: datetime
    expiry: datetime | None
    max_expiry: datetime | None
    current: bool


def max_expiry_of(token: ApiToken) -> datetime | None:
    """However much it is used, the token ends at this time (settings.API_TOKEN_MAX_HOURS)."""
    limit = knox_settings.AUTO_REFRESH_MAX_TTL
    return token.created + limit if limit is not None else token.expiry


def live_tokens(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now())


def token_list(user, *, current=None) -> list[TokenRow]:
    """The user's tokens that still work, newest first; `current` is the token of the request
    (an API call made with a token), marked so that a client can tell which one it holds."""
    return [
        TokenRow(
            id=token.public_id,
            created=token.created,
            expiry=token.expiry,
            max_expiry=max_expiry_of(token),
            current=current is not None and token.pk == current.pk,
        )
        for token in live_tokens(user).only("digest", "created", "expiry")
    ]


def village_list(*, street_id: int) -> list[Any]:
    """A street office's villages, each with its appointments (in office first, then the
    retired, newest first) as `appointments_shown` and the number in office as `in_office`
    (2 queries)."""
    villages: list[Any] = list(
        Organisation.objects.filter(kind=OrganisationKind.VILLAGE, parent_id=street_id)
        .order_by("name")
        .prefetch_related(
            Prefetch(
                "supervisor_appointments",
                queryset=VillageSupervisor.objects.select_related("user").order_by(
                    F("ended_at").desc(nulls_first=True), "-created_at"
                ),
                to_attr="appointments_shown",
            )
        )
    )
    for village in villages:
        village.in_office = sum(1 for a in village.appointments_shown if a.ended_at is None)
    return villages


def districts_under(region_id: int) -> QuerySet:
    """The districts at or under a region (itself, a city's, a province's): a subquery, so a
    scope costs no query of its own (docs/province.md)."""
    return Region.objects.filter(
        Q(pk=region_id) | Q(parent_id=region_id) | Q(parent__parent_id=region_id),
        level=RegionLevel.DISTRICT,
    ).values("pk")


def district_scope(user) -> QuerySet | None:
    """The districts whose projects a district-bound role reads: those under its
    organisation's region; None where the organisation has no region (no limit)."""
    organisation = getattr(user, "organisation", None)
    region_id = getattr(organisation, "region_id", None)
    return None if region_id is None else districts_under(region_id)
