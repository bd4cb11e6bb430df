"""Security events and request ids: every request gets an id (a safe incoming X-Request-ID is
kept), every log record carries it, and log-ins, failures, lock-outs, denials, rate-limit hits
and state transitions go to the `security` logger with actor and time. Sessions also end 12
hours after log-in, however active."""

import contextvars
import json
import logging
import re
import uuid
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone

log = logging.getLogger("security")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BARE_VALUE = re.compile(r"^[\w.:/@+-]{1,200}$")
SESSION_LOGIN_AT = "login_at"
ABSOLUTE_SESSION = timedelta(hours=12)


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_HOPS reverse proxies the address the outermost
    trusted proxy saw (X-Forwarded-For is only believed as far as our own proxies wrote it)."""
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def _actor(request) -> str:
    user = getattr(request, "user", None)
    return user.get_username() if user is not None and user.is_authenticated else "anonymous"


def event(kind: str, request=None, **facts) -> None:
    """One structured line: kind, actor, address, then the facts (the request id and time come
    from the log format)."""
    actor = facts.pop("actor", None) or (_actor(request) if request is not None else "-")
    fields = {"actor": actor, "ip": client_ip(request) if request is not None else "-", **facts}
    log.info("%s %s", kind, " ".join(f"{k}={_value(v)}" for k, v in fields.items()))


def _value(value) -> str:
    """A value as one token: plain ones bare, anything else (spaces, quotes, newlines, an
    attacker's "admin ip=1.2.3.4" as a user name) JSON-quoted, so a line cannot be forged."""
    text = str(value)
    return text if _BARE_VALUE.match(text) else json.dumps(text[:200], ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def install_request_id_factory() -> None:
    """Every record gets the request id when it is made, whichever handler (console, a test's
    capture, a file) then sees it; the filter above stays for handlers configured elsewhere."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get()
        return record

    cast(Any, factory).adds_request_id = True
    logging.setLogRecordFactory(factory)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Kept until request_finished (see connect_signals), so that django.request's own
        # lines about this response, written after the middleware returns, carry it too.
        request_id_var.set(request.id)
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        if response.status_code == 403:
            event("denied", request, method=request.method, path=request.path)
        return response


class AbsoluteSessionMiddleware:
    """Idle sessions end after SESSION_COOKIE_AGE (30 minutes); this ends any session 12 hours
    after its log-in. Reads the session the authentication middleware has loaded already."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_LOGIN_AT)
            if (
                started is None
                or timezone.now().timestamp() - started > ABSOLUTE_SESSION.total_seconds()
            ):
                event("session_expired", request)
                logout(request)
                return redirect("login")
        return self.get_response(request)


def connect_signals() -> None:
    install_request_id_factory()
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_login_failed
    from django.core.signals import request_finished
    from django_fsm.signals import post_transition

    def logged_in(sender, request, user, **kwargs):
        request.session[SESSION_LOGIN_AT] = timezone.now().timestamp()
        event("login", request)

    def login_failed(sender, credentials, request=None, **kwargs):
        event("login_failed", request, username=credentials.get("username", "?"))

    def locked_out(sender, request, username, ip_address, **kwargs):
        event("locked_out", request, username=username)

    def transition(sender, instance, name, source, target, **kwargs):
        by = kwargs.get("method_kwargs", {}).get("by")
        event(
            "transition",
            None,
            actor=getattr(by, "username", "-"),
            object=f"{sender._meta.label}:{instance.pk}",
            name=name,
            source=source,
            target=target,
        )

    def finished(sender, **kwargs):
        request_id_var.set("-")

    request_finished.connect(finished, weak=False, dispatch_uid="security.request_id")
    user_logged_in.connect(logged_in, weak=False, dispatch_uid="security.login")
    user_login_failed.connect(login_failed, weak=False, dispatch_uid="security.login_failed")
    user_locked_out.connect(locked_out, weak=False, dispatch_uid="security.locked_out")
    post_transition.connect(transition, weak=False, dispatch_uid="security.transition")
