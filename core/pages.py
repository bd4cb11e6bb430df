"""The shape every POST-and-return page shares: call one service, show its outcome or its
refusal in the user's language, go back to the page the user came from."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from .errors import ApplicationError


def run_and_return(request, action: Callable[[], object], success: str, to: str):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ConcurrentTransition:
        messages.error(request, _("该项目刚被他人处理，请刷新后重试。"))
    else:
        messages.success(request, success)
    return redirect(to)
