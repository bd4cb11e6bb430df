from django.urls import path

from . import lead_views, views

app_name = "dashboards"
urlpatterns = [
    path("", views.discipline_view, name="discipline"),
    path("report.pdf", views.report_pdf_view, name="report"),
    path("map/", views.map_view, name="map"),
    path("projects/", views.project_list_view, name="projects"),
    path("projects/<int:pk>/timeline/", views.timeline_view, name="timeline"),
    path("anomalies/", views.anomaly_index_view, name="anomalies"),
    path("anomalies/<slug:slug>/", views.anomaly_list_view, name="anomaly"),
    path("leads/", lead_views.lead_list_view, name="leads"),
    path("leads/open/", lead_views.lead_open_view, name="lead_open"),
    path("leads/<int:pk>/", lead_views.lead_view, name="lead"),
    path("leads/<int:pk>/note/", lead_views.lead_note_view, name="lead_note"),
    path("leads/<int:pk>/assign/", lead_views.lead_assign_view, name="lead_assign"),
    path("leads/<int:pk>/decide/", lead_views.lead_decide_view, name="lead_decide"),
    path("audit/verify/", views.chain_verify_view, name="chain_verify"),
    path("audit/heads/", views.audit_heads_view, name="audit_heads"),
]
