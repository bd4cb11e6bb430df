"""Site supervision API. So far: progress reports."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.api.serializers import ProjectOutputSerializer
from projects.permissions import access_project

from .. import services


class ProgressInputSerializer(serializers.Serializer):
    percent = serializers.CharField()
    text = serializers.CharField(max_length=4000)


class ProgressReportApi(APIView):
    @extend_schema(request=ProgressInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        serializer = ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.progress_report(actor=request.user, project_id=pk, **serializer.validated_data)
        project = access_project(request.user, pk)
        return Response(ProjectOutputSerializer(project, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)
