"""Project API: one thin view per operation (input serializer → service → output)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.replica import ReplicaReadsMixin

from ..filters import ProjectFilter
from ..permissions import access_project
from ..selectors import project_list
from ..services import project_create, project_update
from .serializers import ProjectInputSerializer, ProjectOutputSerializer


class ProjectListCreateApi(ReplicaReadsMixin, GenericAPIView):
    serializer_class = ProjectOutputSerializer
    filterset_class = ProjectFilter

    def get_queryset(self):
        projects, _ = project_list(user=self.request.user)
        return projects

    @extend_schema(responses=ProjectOutputSerializer(many=True), operation_id="projects_list")
    def get(self, request):
        projects = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(projects)
        data = ProjectOutputSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(request=ProjectInputSerializer, responses={201: ProjectOutputSerializer})
    def post(self, request):
        serializer = ProjectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = project_create(actor=request.user, data=serializer.validated_data)
        project = access_project(request.user, project.pk)
        return Response(
            ProjectOutputSerializer(project, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectOutputSerializer, operation_id="projects_retrieve")
    def get(self, request, pk: int):
        project = access_project(request.user, pk)
        return Response(ProjectOutputSerializer(project, context={"request": request}).data)

    @extend_schema(request=ProjectInputSerializer, responses=ProjectOutputSerializer)
    def patch(self, request, pk: int):
        project = access_project(request.user, pk)
        serializer = ProjectInputSerializer(instance=project, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        project_update(actor=request.user, project_id=pk, data=serializer.validated_data)
        project = access_project(request.user, pk)
        return Response(ProjectOutputSerializer(project, context={"request": request}).data)
