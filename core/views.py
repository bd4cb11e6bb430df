"""The health check used by load balancers and docker-compose, and the error answers: pages for
people, the API's JSON shape ({"message", "extra"}, core/api.py) under /api/ — also for a URL
that does not exist and for an error the API's own handler never saw."""

from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET


@require_GET
def health_view(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _api(request) -> bool:
    return request.path_info.startswith("/api/")


def _json(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"message": message, "extra": {}}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def not_found_view(request, exception):
    if _api(request):
        return _json(_("接口地址不存在。"), 404)
    return defaults.page_not_found(request, exception)


def permission_denied_view(request, exception):
    if _api(request):
        return _json(_("您无权执行此操作。"), 403)
    return defaults.permission_denied(request, exception)


def bad_request_view(request, exception):
    if _api(request):
        return _json(_("请求有误。"), 400)
    return defaults.bad_request(request, exception)


def server_error_view(request):
    if _api(request):
        return _json(_("服务器出错，请稍后重试；如一再出现，请联系管理员。"), 500)
    return defaults.server_error(request)
