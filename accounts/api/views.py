"""The API token endpoint (integrations: the finance payment system, the city data platform),
under the same log-in throttling as the page."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from core.security import event

LOCKED_OUT = _("登录已暂时锁定：该账号在本机连续多次输入错误密码，请 15 分钟后再试。")


class TokenApi(ObtainAuthToken):
    """django-axes marks the request it is given, and DRF hands authenticate() its own Request,
    so axes' middleware never sees the lock-out: answer it here, 429 like the page."""

    def post(self, request, *args, **kwargs):
        try:
            response = super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"message": str(LOCKED_OUT), "extra": {}},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise
        # No session log-in happens here, so user_logged_in is not sent: log the issue itself.
        event("token_issued", request._request, actor=request.data.get("username", "?"))
        return response
