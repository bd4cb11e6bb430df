from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.discipline_view, name="discipline"),
    path("report.pdf", views.report_pdf_view, name="report"),
    path("map/", views.map_view, name="map"),
    path("projects/", views.project_list_view, name="projects"),
    path("projects/<int:pk>/timeline/", views.timeline_view, name="timeline"),
    path("anomalies/", views.anomaly_index_view, name="anomalies"),
    path("anomalies/<slug:slug>/", views.anomaly_list_view, name="anomaly"),
    path("audit/verify/", views.chain_verify_view, name="chain_verify"),
    path("audit/heads/", views.audit_heads_view, name="audit_heads"),
]
