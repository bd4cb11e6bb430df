"""URL map: pages, the API under /api/v1/, the schema and its docs, the admin."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.forms import LoginForm
from core import download_views
from core import views as core_views
from dashboards import views as dashboard_views

api_v1: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("projects.api.urls")),
    path("", include("approvals.api.urls")),
    path("", include("projects.api.payment_urls")),
    path("", include("inspections.api.urls")),
    path("performance/", include("performance.api.urls")),
    path("", include("dashboards.api.urls")),
]

urlpatterns = [
    # The residents' routes first: their POSTs are the busiest path, and Django tries the
    # patterns in order (the rating API came after every other app's patterns before).
    path("api/v1/", include("ratings.api.urls")),
    path("", include("ratings.urls")),
    path("", dashboard_views.home_view, name="home"),
    path("healthz", core_views.health_view, name="health"),
    path("open/", dashboard_views.open_data_view, name="open-data"),
    path("open/audit-heads.json", dashboard_views.open_audit_heads_view, name="open-audit-heads"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Exports and PDF reports made on workers for the people who asked (core/downloads.py).
    path("downloads/", download_views.downloads_view, name="downloads"),
    path("downloads/<uuid:pk>/", download_views.download_view, name="download"),
    path("downloads/<uuid:pk>/file", download_views.download_file_view, name="download_file"),
    path("accounts/", include("accounts.urls")),
    path("projects/", include("projects.urls")),
    path("approvals/", include("approvals.urls")),
    path("inspections/", include("inspections.urls")),
    path("performance/", include("performance.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets style attributes as it draws: the one page allowed inline styles (never
    # inline scripts; its script is the split view's file), so its console stays clean.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

# Error answers: the pages for people, JSON under /api/ (core/views.py).
handler400 = "core.views.bad_request_view"
handler403 = "core.views.permission_denied_view"
handler404 = "core.views.not_found_view"
handler500 = "core.views.server_error_view"
