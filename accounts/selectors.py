"""Reads of account objects: a user's own API tokens."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from knox.settings import knox_settings

from .models import ApiToken


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
