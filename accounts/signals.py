"""Log-ins and log-outs of administrators go into the audit chain (accounts.services decides
whose); connected once, from AccountsConfig.ready."""

from django.contrib.auth.signals import user_logged_in, user_logged_out

from core.security import client_ip

from .choices import Channel
from .services import staff_logged_in, staff_logged_out


def _via(request) -> Channel:
    match = getattr(request, "resolver_match", None)
    return Channel.ADMIN if match is not None and match.namespace == "admin" else Channel.PAGE


def _logged_in(sender, request, user, **kwargs):
    staff_logged_in(user=user, address=client_ip(request) if request else "", via=_via(request))


def _logged_out(sender, request, user, **kwargs):
    staff_logged_out(user=user, address=client_ip(request) if request else "")


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, weak=False, dispatch_uid="accounts.staff_login")
    user_logged_out.connect(_logged_out, weak=False, dispatch_uid="accounts.staff_logout")
