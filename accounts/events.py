"""The accounts app's audit verbs: what administrators do to users (create, change, roles,
deactivation, passwords), their log-ins to the admin, and API tokens issued and revoked. The
services call these, never record_event itself. The object of every event is the user it is
about; the actor is whoever acted (the administrator, or the user for their own tokens). No
event ever holds a password, a password hash or a token."""

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import record_event
from core.events import EventField, verbs

from .choices import Channel


def _names(value) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _when(value) -> str:
    """A stored ISO time as local minutes."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        return str(value)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# The verification page's verdicts (core.signing.STATUSES), as the timeline shows them.
VERIFY_OUTCOMES = {
    "valid": _("签章有效，文件未被改动"),
    "modified": _("文件在签章后被改动"),
    "unknown_signer": _("签章不是本平台登记单位的"),
    "not_signed": _("文件没有电子签章"),
    "unreadable": _("不是可读取的 PDF 文件"),
}


@verbs(
    fields={
        "groups": EventField(_("用户组"), show=_names),
        "user_permissions": EventField(_("用户权限"), show=_names),
        "password_login": _("可用密码登录"),
        "tokens_revoked": _("吊销的接口令牌数"),
        "token": _("接口令牌编号"),
        "expiry": EventField(_("到期时间"), show=_when),
        "max_expiry": EventField(_("最晚到期时间"), show=_when),
        "address": _("来源地址"),
        "via": EventField(_("方式"), choices=Channel),
        "sha256": _("文件摘要（SHA-256）"),
        "outcome": EventField(_("核验结果"), show=lambda v: str(VERIFY_OUTCOMES.get(v, v))),
        "signed_by": _("签章单位"),
        "signed_at": _("签章时间"),
    }
)
class AccountEvents(models.TextChoices):
    USER_CREATED = "user.created", _("管理后台新增用户")
    USER_CHANGED = "user.changed", _("管理后台修改用户")
    ROLE_CHANGED = "user.role_changed", _("变更角色、单位或权限")
    USER_DEACTIVATED = "user.deactivated", _("停用账号")
    USER_REACTIVATED = "user.reactivated", _("重新启用账号")
    PASSWORD_SET = "user.password_set", _("管理员设置密码")
    STAFF_LOGGED_IN = "user.staff_logged_in", _("管理员登录")
    STAFF_LOGGED_OUT = "user.staff_logged_out", _("管理员退出")
    TOKEN_ISSUED = "token.issued", _("签发接口令牌（接口登录）")
    TOKEN_REVOKED = "token.revoked", _("吊销接口令牌")
    TOKENS_REVOKED = "token.revoked_all", _("吊销全部接口令牌")
    DOCUMENT_VERIFIED = "document.verified", _("核验电子签章文件")


def user_saved_event(*, actor, user, verb: AccountEvents, before: dict, after: dict):
    return record_event(actor=actor, verb=verb, obj=user, before=before, after=after)


def password_set_event(*, actor, user, password_login: bool, tokens_revoked: int):
    return record_event(
        actor=actor,
        verb=AccountEvents.PASSWORD_SET,
        obj=user,
        after={"password_login": password_login, "tokens_revoked": tokens_revoked},
    )


def staff_logged_in_event(*, user, address: str, via: str):
    return record_event(
        actor=user,
        verb=AccountEvents.STAFF_LOGGED_IN,
        obj=user,
        after={"address": address, "via": via},
    )


def staff_logged_out_event(*, user, address: str):
    return record_event(
        actor=user, verb=AccountEvents.STAFF_LOGGED_OUT, obj=user, after={"address": address}
    )


def token_issued_event(*, user, token: str, expiry, max_expiry, address: str):
    """`token` is the token's public id (the start of its digest), never the token."""
    return record_event(
        actor=user,
        verb=AccountEvents.TOKEN_ISSUED,
        obj=user,
        after={"token": token, "expiry": expiry, "max_expiry": max_expiry, "address": address},
    )


def token_revoked_event(*, actor, user, token: str, via: str):
    return record_event(
        actor=actor,
        verb=AccountEvents.TOKEN_REVOKED,
        obj=user,
        after={"token": token, "via": via},
    )


def tokens_revoked_event(*, actor, user, count: int, via: str):
    return record_event(
        actor=actor,
        verb=AccountEvents.TOKENS_REVOKED,
        obj=user,
        after={"tokens_revoked": count, "via": via},
    )


def document_verified_event(*, actor, after: dict):
    """A signed document checked on the verification page by a signed-in user (the public's
    checks are not recorded: docs/evidence-and-signatures.md)."""
    return record_event(
        actor=actor,
        verb=AccountEvents.DOCUMENT_VERIFIED,
        object_type="document",
        object_id=after["sha256"][:16],
        after=after,
    )


@verbs(
    fields={
        "village": _("村/社区"),
        "supervisor": _("村民监督员"),
        "username": _("登录名"),
        "phone": _("手机"),
        "end_reason": _("卸任原因"),
        "active_supervisors": _("在任监督员"),
        "tokens_revoked": _("吊销的接口令牌数"),
    }
)
class VillageEvents(models.TextChoices):
    """A street office's villages and the 村民监督员 it appoints (docs/village-supervision.md).
    The object is the village (an organisation)."""

    VILLAGE_CREATED = "village.created", _("新增村/社区")
    SUPERVISOR_APPOINTED = "village.supervisor_appointed", _("任命村民监督员")
    SUPERVISOR_RETIRED = "village.supervisor_retired", _("村民监督员卸任")


def village_created_event(*, actor, village, after: dict):
    return record_event(actor=actor, verb=VillageEvents.VILLAGE_CREATED, obj=village, after=after)


def village_supervisor_appointed_event(*, actor, village, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=VillageEvents.SUPERVISOR_APPOINTED,
        obj=village,
        before=before,
        after=after,
    )


def village_supervisor_retired_event(*, actor, village, before: dict, after: dict):
    return record_event(
        actor=actor, verb=VillageEvents.SUPERVISOR_RETIRED, obj=village, before=before, after=after
    )
