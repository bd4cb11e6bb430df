"""Account writes: API tokens issued and revoked, what administrators do to users, and the
check of a signed document (an organisation's signature) uploaded to the verification page.

Tokens (django-rest-knox, README "Security"): only `token_issue`, called by the token endpoint
after the user's own password was checked, makes one, so nobody, an administrator included, can
hold a token that acts as somebody else (the token admin can list and revoke, never add). A
password set in the admin and a deactivation revoke all of the user's tokens.

The admin saves users and organisations itself (in its own transaction); the functions named
`*_in_admin` run inside it and record the act, naming the administrator as actor and the user as
object, never a password or its hash."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from knox.settings import knox_settings

from core.signing import Verdict, verify_pdf

from .choices import Channel
from .events import (
    AccountEvents,
    document_verified_event,
    password_set_event,
    staff_logged_in_event,
    staff_logged_out_event,
    token_issued_event,
    token_revoked_event,
    tokens_revoked_event,
    user_saved_event,
)
from .models import TOKEN_ID_LENGTH, ApiToken, Organisation, User
from .permissions import access_token
from .selectors import max_expiry_of

# Changes to these make a user able to do other things: recorded as a change of role.
ROLE_FIELDS = frozenset(
    {"role", "organisation_id", "is_staff", "is_superuser", "groups", "user_permissions"}
)


@dataclass(frozen=True)
class IssuedToken:
    token: str  # the secret itself: given once to the client that logged in, stored nowhere
    id: str
    expiry: datetime
    max_expiry: datetime


def token_issue(*, user: User, address: str) -> IssuedToken:
    """API log-in: a new token for a user whose password the caller has just checked."""
    ttl, limit = knox_settings.TOKEN_TTL, knox_settings.AUTO_REFRESH_MAX_TTL
    with transaction.atomic(durable=True):
        # Lapsed tokens of the user go (knox removes them too, when one of them is next used).
        ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = ApiToken.objects.create(
            user=user, expiry=min(ttl, limit) if limit is not None else ttl
        )
        issued = IssuedToken(
            token=token,
            id=instance.public_id,
            expiry=instance.expiry,
            max_expiry=max_expiry_of(instance) or instance.expiry,
        )
        token_issued_event(
            user=user,
            token=issued.id,
            expiry=issued.expiry,
            max_expiry=issued.max_expiry,
            address=address,
        )
    return issued


def token_revoke(*, actor: User, token_id: str, via: Channel) -> None:
    """The owner revokes one of their tokens (by its public id); anyone else's is 404."""
    with transaction.atomic(durable=True):
        token = access_token(actor, token_id, for_update=True)
        token.delete()
        token_revoked_event(actor=actor, user=actor, token=token_id, via=via)


def token_logout(*, actor: User, token) -> None:
    """API log-out: the token the request came with is revoked."""
    with transaction.atomic(durable=True):
        deleted, _ = ApiToken.objects.filter(pk=token.pk, user=actor).delete()
        if deleted:
            token_revoked_event(
                actor=actor, user=actor, token=token.digest[:TOKEN_ID_LENGTH], via=Channel.API
            )


def tokens_revoke_all(*, actor: User, via: Channel) -> int:
    """The owner revokes every token they hold (log out of every client)."""
    with transaction.atomic(durable=True):
        count = _revoke_all(actor)
        tokens_revoked_event(actor=actor, user=actor, count=count, via=via)
    return count


def tokens_revoke_in_admin(*, actor: User, tokens: Iterable[ApiToken]) -> None:
    """The token admin's deletion: one event per owner, naming the administrator."""
    by_owner: dict[User, list[ApiToken]] = defaultdict(list)
    for token in tokens:
        by_owner[token.user].append(token)
    with transaction.atomic():
        for owner, owned in by_owner.items():
            ApiToken.objects.filter(pk__in=[t.pk for t in owned]).delete()
            if len(owned) == 1:
                token_revoked_event(
                    actor=actor, user=owner, token=owned[0].public_id, via=Channel.ADMIN
                )
            else:
                tokens_revoked_event(actor=actor, user=owner, count=len(owned), via=Channel.ADMIN)


def _revoke_all(user: User) -> int:
    count, _ = ApiToken.objects.filter(user=user).delete()
    return count


def user_saved_in_admin(*, actor: User, user: User, created: bool, before: dict, after: dict):
    """One event for one save of a user in the admin, its verb the weightiest of what changed:
    creation, deactivation (which revokes the user's tokens), reactivation, a change of role,
    organisation or permissions, or any other change."""
    changed = {k for k in {*before, *after} if before.get(k) != after.get(k)}
    if created:
        verb = AccountEvents.USER_CREATED
    elif "is_active" in changed and not after.get("is_active"):
        verb = AccountEvents.USER_DEACTIVATED
        after = {**after, "tokens_revoked": _revoke_all(user)}
    elif "is_active" in changed:
        verb = AccountEvents.USER_REACTIVATED
    elif changed & ROLE_FIELDS:
        verb = AccountEvents.ROLE_CHANGED
    else:
        verb = AccountEvents.USER_CHANGED
    return user_saved_event(actor=actor, user=user, verb=verb, before=before, after=after)


def user_password_set_in_admin(*, actor: User, user: User):
    """After the admin's password form saved a new password (or turned password log-in off):
    the user's tokens are revoked, as their sessions already are by Django."""
    return password_set_event(
        actor=actor,
        user=user,
        password_login=user.has_usable_password(),
        tokens_revoked=_revoke_all(user),
    )


def staff_logged_in(*, user: User, address: str, via: Channel):
    """A log-in of someone who can enter the admin, through any page: recorded in the chain
    (everyone's log-ins go to the security log already)."""
    if not user.is_staff:
        return None
    with transaction.atomic():
        return staff_logged_in_event(user=user, address=address, via=via)


def staff_logged_out(*, user: User | None, address: str):
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    with transaction.atomic():
        return staff_logged_out_event(user=user, address=address)


@dataclass(frozen=True)
class DocumentCheck:
    """A verdict with the signing organisation as the platform knows it today (None: the
    certificate names no organisation of the platform)."""

    verdict: Verdict
    organisation: Organisation | None


def document_verify(*, actor, data: bytes) -> DocumentCheck:
    """Check an uploaded PDF's signature; a signed-in user's check is an audit event (what was
    checked and the verdict), the public's is not."""
    verdict = verify_pdf(data)
    # Only a signature that chains to the district root names an organisation for sure; any
    # other certificate can claim any name.
    organisation = (
        Organisation.objects.filter(pk=verdict.organisation_id).first()
        if verdict.valid and verdict.organisation_id is not None
        else None
    )
    if actor is not None and actor.is_authenticated:
        with transaction.atomic(durable=True):
            document_verified_event(
                actor=actor,
                after={
                    "sha256": verdict.sha256,
                    "outcome": verdict.status,
                    "signed_by": organisation.name if organisation else verdict.signer_name,
                    "signed_at": verdict.signed_at.isoformat() if verdict.signed_at else None,
                },
            )
    return DocumentCheck(verdict=verdict, organisation=organisation)
