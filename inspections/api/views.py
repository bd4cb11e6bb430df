"""Site supervision API: patrol logs and progress reports, each with photos (and a video) and a client-made
idempotency key (a phone that was offline resends; the entry is stored once); the monthly
random plans."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.replica import ReplicaReadsMixin
from projects.api.serializers import ProjectOutputSerializer
from projects.permissions import access_project

from .. import services
from ..models import PatrolLog, Photo, SpotCheckPlan, Video
from ..permissions import may_read_plans
from ..selectors import access_plan


class PhotoOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "url",
            "width",
            "height",
            "taken_at",
            "duplicate_of",
            "time_mismatch",
            "far_from_site",
        ]

    def get_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("inspections:photo", args=[photo.pk])
        )


class VideoOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()

    class Meta:
        model = Video
        fields = ["id", "url", "poster_url", "duration", "width", "height", "size", "codec"]

    def get_url(self, video) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("inspections:video", args=[video.pk])
        )

    def get_poster_url(self, video) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("inspections:video_poster", args=[video.pk])
        )


class ProgressInputSerializer(serializers.Serializer):
    percent = serializers.CharField()
    text = serializers.CharField(max_length=4000)
    client_key = serializers.UUIDField(required=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False)
    videos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="MP4 (H.264), checked by content"
    )


class ProgressReportApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": ProgressInputSerializer,
            "multipart/form-data": ProgressInputSerializer,
        },
        responses={200: ProjectOutputSerializer, 201: ProjectOutputSerializer},
    )
    def post(self, request, pk: int):
        serializer = ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.progress_report(
            actor=request.user, project_id=pk, **serializer.validated_data
        )
        project = access_project(request.user, pk)
        return Response(
            ProjectOutputSerializer(project, context={"request": request}).data,
            status=status.HTTP_200_OK if report.replayed else status.HTTP_201_CREATED,
        )


class PatrolLogInputSerializer(serializers.Serializer):
    client_key = serializers.UUIDField()
    log_date = serializers.DateField()
    weather = serializers.CharField(max_length=50)
    work_done = serializers.CharField(max_length=4000)
    head_count = serializers.IntegerField(min_value=0, max_value=10000)
    safety_notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    quality_notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    photos = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    videos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="MP4 (H.264), checked by content"
    )


class PatrolLogOutputSerializer(serializers.ModelSerializer):
    photos = PhotoOutputSerializer(many=True)
    videos = VideoOutputSerializer(many=True)

    class Meta:
        model = PatrolLog
        fields = [
            "id",
            "project",
            "client_key",
            "log_date",
            "weather",
            "work_done",
            "head_count",
            "safety_notes",
            "quality_notes",
            "supervisor",
            "created_at",
            "photos",
            "videos",
        ]


class PatrolLogApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": PatrolLogInputSerializer},
        responses={200: PatrolLogOutputSerializer, 201: PatrolLogOutputSerializer},
    )
    def post(self, request, pk: int):
        serializer = PatrolLogInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        log = services.patrol_log_record(
            actor=request.user, project_id=pk, **serializer.validated_data
        )
        replayed = log.replayed
        log = PatrolLog.objects.prefetch_related("photos", "videos").get(pk=log.pk)
        return Response(
            PatrolLogOutputSerializer(log, context={"request": request}).data,
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )


class PlanDrawSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    risk_colour = serializers.CharField()
    inspector = serializers.IntegerField(allow_null=True)
    assigned = serializers.IntegerField(allow_null=True)


class PlanOutputSerializer(serializers.ModelSerializer):
    draws = PlanDrawSerializer(many=True)
    redraw_matches = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheckPlan
        fields = ["id", "month", "seed", "rates", "draws", "redraw_matches", "created_at"]

    def get_redraw_matches(self, plan) -> bool | None:
        return services.plan_redraw_matches(plan)


class PlanInputSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="any day of the month")
    seed = serializers.CharField(max_length=64, required=False, allow_blank=True)


class PlanListApi(ReplicaReadsMixin, APIView):
    """GET: the monthly random plans (住建局, discipline). POST: the 住建局 draws a month's."""

    @extend_schema(responses=PlanOutputSerializer(many=True))
    def get(self, request):
        if not may_read_plans(request.user):
            raise PermissionDenied
        plans = SpotCheckPlan.objects.all()[:60]
        return Response(PlanOutputSerializer(plans, many=True).data)

    @extend_schema(request=PlanInputSerializer, responses={201: PlanOutputSerializer})
    def post(self, request):
        data = PlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_create(
            actor=request.user,
            month=data.validated_data["month"],
            seed=data.validated_data.get("seed", ""),
        )
        return Response(PlanOutputSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    @extend_schema(responses=PlanOutputSerializer)
    def get(self, request, plan_id: int):
        return Response(PlanOutputSerializer(access_plan(request.user, plan_id)).data)
