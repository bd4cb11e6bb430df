"""The residents' API: rating a project from its public token, without an account. The same
data and rules as the public page; one rating per device (signed cookie), per phone where the
project requires the SMS check."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import JsonOnlyNegotiation
from core.dates import local_date
from core.errors import ApplicationError
from core.security import client_ip

from .. import services
from ..abuse import device_of, remember_device
from ..choices import RatingStatus
from ..selectors import phone_check_required, public_project_facts
from ..views import limited


class RatingInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    quality = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    civility = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    code = serializers.CharField(max_length=10, required=False, allow_blank=True)


# A new rating is `pending`: it counts (or is held for moderation) once screened, within
# about a second.
RatingOutput = inline_serializer(
    "RatingOutput",
    fields={
        "id": serializers.IntegerField(),
        "status": serializers.ChoiceField(choices=RatingStatus.choices),
    },
)


class TooManyRequests(ApplicationError):
    status = 429


class PublicRatingApi(APIView):
    authentication_classes: list = []  # anonymous residents; no session, so no CSRF
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(request=RatingInputSerializer, responses={201: RatingOutput}, auth=[])
    def post(self, request, token: str):
        project, policy = public_project_facts(token, local_date(timezone.now()))
        if limited(request, "ratings.rate", settings.RATING_RATE_LIMIT):
            raise TooManyRequests(_("提交过于频繁，请稍后再试。"))
        # The serializer above documents the shape; the page's own check validates both, so
        # the page and the API answer bad input with the same words.
        data = request.data if hasattr(request.data, "get") else {}
        device = device_of(request, fresh_within=services.FRESH_DEVICE_WINDOW)
        rating = services.rating_record(
            project=project,
            device=device.id,
            address=client_ip(request),
            data=services.rating_input(data),
            phone_check=phone_check_required(project),
            fresh_device=device.fresh,
            policy=policy,
        )
        response = Response(
            {"id": rating.pk, "status": rating.status}, status=status.HTTP_201_CREATED
        )
        if device.new:
            remember_device(response, device.id)
        return response
