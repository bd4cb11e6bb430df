"""Dashboard data for discipline officers (the map's points) and the public open-data export
(OC4IDS). Thin: selectors and mappings do the work."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.replica import ReplicaReadsMixin

from ..oc4ids import package, public_projects
from ..permissions import may_use_dashboards
from ..selectors import dashboard_projects, map_features
from ..services import discipline_read_record

OC4IDS_PAGE_SIZE = 100


class IsDisciplineOfficer(BasePermission):
    def has_permission(self, request, view) -> bool:
        return may_use_dashboards(request.user)


class MapDataApi(ReplicaReadsMixin, APIView):
    """Every located project as GeoJSON, with the dashboard's filters."""

    permission_classes = [IsDisciplineOfficer]

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="dashboards_map")
    def get(self, request):
        projects, project_filter = dashboard_projects(request.query_params, request.user)
        discipline_read_record(
            actor=request.user, page="map-data", path=request.path, filters=project_filter.active
        )
        return Response(map_features(projects))


class Oc4idsPackageApi(ReplicaReadsMixin, APIView):
    """Public: every filed project as an OC4IDS project package, a page at a time."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        operation_id="open_oc4ids_package",
        parameters=[OpenApiParameter("page", int)],
    )
    def get(self, request):
        pages = Paginator(public_projects(), OC4IDS_PAGE_SIZE)
        try:
            page = pages.page(request.query_params.get("page", 1))
        except InvalidPage:
            raise Http404 from None
        next_uri = None
        if page.has_next():
            next_uri = request.build_absolute_uri(f"{request.path}?page={page.next_page_number()}")
        return Response(
            package(list(page.object_list), uri=request.build_absolute_uri(), next_uri=next_uri)
        )


class Oc4idsProjectApi(ReplicaReadsMixin, APIView):
    """Public: one project's OC4IDS package."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="open_oc4ids_project")
    def get(self, request, pk: int):
        projects = list(public_projects().filter(pk=pk))
        if not projects:
            raise Http404
        return Response(package(projects, uri=request.build_absolute_uri(), next_uri=None))
