"""The API's log-in (a token for the integrations: the finance payment system, the city data
platform), under the same log-in throttling as the page; and a user's own tokens: list, revoke
one, log out (the token in use), log out everywhere."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from rest_framework import exceptions, parsers, renderers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.security import client_ip, event

from ..choices import Channel
from ..selectors import token_list
from ..services import token_issue, token_logout, token_revoke, tokens_revoke_all
from .serializers import TokenIssuedSerializer, TokenSerializer, TokensRevokedSerializer

LOCKED_OUT = _("登录已暂时锁定：该账号在本机连续多次输入错误密码，请 15 分钟后再试。")


class TokenApi(APIView):
    """django-axes marks the request it is given, and DRF hands authenticate() its own Request,
    so axes' middleware never sees the lock-out: answer it here, 429 like the page."""

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    parser_classes = (parsers.FormParser, parsers.MultiPartParser, parsers.JSONParser)
    renderer_classes = (renderers.JSONRenderer,)

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenIssuedSerializer},
        description="Log in: a user name and password for a new API token, sent as "
        "`Authorization: Token …`. It ends when unused for API_TOKEN_IDLE_MINUTES (30; each use "
        "moves `expiry` on) and at `max_expiry`, API_TOKEN_MAX_HOURS (12) after issue; a "
        "password change or deactivation revokes it. 429 while the log-in is locked out.",
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"message": str(LOCKED_OUT), "extra": {}},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise
        user = serializer.validated_data["user"]
        issued = token_issue(user=user, address=client_ip(request._request))
        # No session log-in happens here, so user_logged_in is not sent: log the issue itself.
        event("token_issued", request._request, actor=user.get_username())
        return Response(
            TokenIssuedSerializer(
                {
                    "token": issued.token,
                    "id": issued.id,
                    "expiry": issued.expiry,
                    "max_expiry": issued.max_expiry,
                }
            ).data
        )


class TokenListApi(APIView):
    """The caller's own tokens that still work; `current` marks the one the call came with."""

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request):
        rows = token_list(request.user, current=request.auth)
        return Response(TokenSerializer(rows, many=True).data)


class TokenRevokeApi(APIView):
    """Revokes one of the caller's tokens by its id; anyone else's is 404."""

    @extend_schema(request=None, responses={204: OpenApiResponse(description="已吊销")})
    def post(self, request, token_id: str):
        token_revoke(actor=request.user, token_id=token_id, via=Channel.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutApi(APIView):
    """Revokes the token the request came with (a session has none to revoke: 401)."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="已退出")})
    def post(self, request):
        token_logout(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    """Revokes every token of the user, whichever client holds it."""

    @extend_schema(request=None, responses=TokensRevokedSerializer)
    def post(self, request):
        count = tokens_revoke_all(actor=request.user, via=Channel.API)
        return Response({"revoked": count})
