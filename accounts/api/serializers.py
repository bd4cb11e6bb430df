"""The token API's answers (the log-in request is DRF's own AuthTokenSerializer)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("令牌本身：只在此时给出一次，服务器只存其摘要。"))
    id = serializers.CharField(help_text=_("令牌编号：列出和吊销时用。"))
    expiry = serializers.DateTimeField(
        help_text=_("不再使用时的到期时间；每次使用顺延，但不晚于 max_expiry。")
    )
    max_expiry = serializers.DateTimeField(help_text=_("无论是否使用，令牌最晚在此时失效。"))


class TokenSerializer(serializers.Serializer):
    id = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    max_expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text=_("是否为本次请求所用的令牌。"))


class TokensRevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField()
