"""Access to account objects: a user reaches only their own API tokens."""

import re

from django.http import Http404

from .models import TOKEN_ID_LENGTH, ApiToken

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
