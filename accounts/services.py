"""Account writes: API tokens issued and revoked, what administrators do to users, and the
check of a signed document (an organisation's signature) uploaded to the verification page.

Tokens (django-rest-knox, README "Security"): only `token_issue`, called by the token endpoint
after the user's own password was checked, makes one, so nobody, an administrator included, can
hold a token that acts as somebody else (the token admin can list and revoke, never add). A
password set in the admin and a deactivation revoke all of the user's tokens.

Villages (村/社区) and their 村民监督员: the street office adds its villages and appoints and
retires the supervisors (docs/village-supervision.md).

The admin saves users and organisations itself (in its own transaction); the functions named
`*_in_admin` run inside it and record the act, naming the administrator as actor and the user as
object, never a password or its hash."""

import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.settings import knox_settings

from core.errors import ConflictError
from core.signing import Verdict, verify_pdf

from .choices import Channel, OrganisationKind, Role
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
    village_created_event,
    village_supervisor_appointed_event,
    village_supervisor_retired_event,
)
from .models import TOKEN_ID_LENGTH, ApiToken, Organisation, User, VillageSupervisor
from .permissions import access_appointment, access_token, access_village, is_street_staff
from .selectors import max_expiry_of
from .validators import validate_phone

_USERNAME = re.compile(r"^[A-Za-z0-9_]{3,30}$")

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


# Seed 001: "每村选派1-2名" village supervisors; the street office appoints them (docs/rules.md §12).
VILLAGE_SUPERVISORS_MAX = 2


def village_create(*, actor: User, name: str) -> Organisation:
    """A street office adds one of its villages or communities (村/社区). The same name again
    answers with the village on file."""
    if not is_street_staff(actor):
        raise PermissionDenied
    name = name.strip()[:100]
    if not name:
        raise ValidationError({"name": _("请填写村（社区）名称。")})
    with transaction.atomic(durable=True):
        street = Organisation.objects.select_for_update().get(pk=cast(int, actor.organisation_id))
        existing = Organisation.objects.filter(name=name).first()
        if existing is not None:
            if existing.kind == OrganisationKind.VILLAGE and existing.parent_id == street.pk:
                return existing
            raise ConflictError(
                _("已有同名单位“%(name)s”，请在名称前加上街道名以示区别。") % {"name": name}
            )
        village = Organisation.objects.create(
            name=name, kind=OrganisationKind.VILLAGE, parent=street, region_id=street.region_id
        )
        village_created_event(actor=actor, village=village, after={"name": name})
    return village


def _active_supervisors(village: Organisation) -> list[str]:
    return [
        str(a.user)
        for a in VillageSupervisor.objects.filter(village=village, ended_at__isnull=True)
        .select_related("user")
        .order_by("created_at")
    ]


@dataclass(frozen=True)
class Appointment:
    appointment: VillageSupervisor
    password: str  # the first password, shown once to the street office; "" on a resend


def village_supervisor_appoint(
    *, actor: User, village_id: int, full_name: str, phone: str, username: str
) -> Appointment:
    """The street office appoints a 村民监督员 for one of its villages: at most
    VILLAGE_SUPERVISORS_MAX in office at once (a third is refused: retire one first). The
    account is made here, with a first password given once to the street office to hand on;
    the same appointment sent again answers with the one on file and no new password."""
    full_name, phone, username = full_name.strip(), phone.strip(), username.strip()
    errors = {}
    if not full_name:
        errors["full_name"] = [_("请填写监督员姓名。")]
    if not username or not _USERNAME.match(username):
        errors["username"] = [_("登录名须为 3–30 位字母、数字或下划线。")]
    try:
        validate_phone(phone)
    except ValidationError:
        errors["phone"] = [_("请填写有效的手机号码。")]
    if not phone:
        errors["phone"] = [_("请填写监督员的手机号码。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        village = access_village(actor, village_id, for_update=True)
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            same = VillageSupervisor.objects.filter(
                village=village, user=existing, ended_at__isnull=True
            ).first()
            if same is not None:
                return Appointment(same, "")
            raise ConflictError(_("登录名“%(name)s”已被使用，请换一个。") % {"name": username})
        before = _active_supervisors(village)
        if len(before) >= VILLAGE_SUPERVISORS_MAX:
            raise ConflictError(
                _(
                    "%(village)s已有 %(n)d 名在任村民监督员（每村最多 %(max)d 名），"
                    "请先办理一名监督员卸任再任命。"
                )
                % {"village": village.name, "n": len(before), "max": VILLAGE_SUPERVISORS_MAX},
                extra={"active_supervisors": before},
            )
        password = secrets.token_urlsafe(9)
        user = User(
            username=username,
            last_name=full_name,
            phone=phone,
            role=Role.VILLAGE_SUPERVISOR,
            organisation=village,
        )
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        appointment = VillageSupervisor.objects.create(
            village=village, user=user, appointed_by=actor
        )
        village_supervisor_appointed_event(
            actor=actor,
            village=village,
            before={"active_supervisors": before},
            after={
                "supervisor": full_name,
                "username": username,
                "phone": phone,
                "active_supervisors": [*before, full_name],
            },
        )
    return Appointment(appointment, password)


def village_supervisor_retire(
    *, actor: User, appointment_id: int, reason: str
) -> VillageSupervisor:
    """A 村民监督员 leaves office (卸任, or replaced): the appointment ends with its reason and the
    account stops working (its tokens revoked). Retiring one already retired answers with it."""
    reason = reason.strip()[:300]
    if not reason:
        raise ValidationError({"reason": _("请填写卸任原因。")})
    with transaction.atomic(durable=True):
        appointment = access_appointment(actor, appointment_id, for_update=True)
        if appointment.ended_at is not None:
            return appointment
        village = Organisation.objects.select_for_update().get(pk=appointment.village_id)
        before = _active_supervisors(village)
        appointment.ended_at = timezone.now()
        appointment.ended_by = actor
        appointment.end_reason = reason
        appointment.save()
        user = appointment.user
        user.is_active = False
        user.save(update_fields=["is_active"])
        revoked = _revoke_all(user)
        village_supervisor_retired_event(
            actor=actor,
            village=village,
            before={"active_supervisors": before},
            after={
                "supervisor": str(user),
                "end_reason": reason,
                "tokens_revoked": revoked,
                "active_supervisors": _active_supervisors(village),
            },
        )
    return appointment
