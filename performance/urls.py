from django.urls import path

from . import views

app_name = "performance"
urlpatterns = [
    path("", views.ranking_view, name="ranking"),
    path("<str:quarter>/companies/<int:organisation_id>/", views.company_view, name="company"),
    path("<str:quarter>/report.pdf", views.report_pdf_view, name="report_pdf"),
    path("<str:quarter>/report.xlsx", views.report_xlsx_view, name="report_xlsx"),
    path("credit/", views.credit_list_view, name="credit"),
    path("credit/<int:organisation_id>/", views.credit_company_view, name="credit_company"),
    path("credit/false-reports/", views.false_report_view, name="false_report"),
    path("suspensions/<int:suspension_id>/appeal/", views.appeal_view, name="appeal"),
    path("suspensions/<int:suspension_id>/decide/", views.decide_view, name="decide"),
    path("warnings/", views.warnings_view, name="warnings"),
    path("warnings/read/", views.warnings_read_view, name="warnings_read"),
    path("warnings/bell/", views.warning_bell_view, name="warning_bell"),
    path("risk/", views.risk_view, name="risk"),
    path("demonstration/", views.demonstration_view, name="demonstration"),
    path("demonstration/<int:year>/", views.demonstration_view, name="demonstration_year"),
    path(
        "demonstration/<int:year>/decide/",
        views.demonstration_decide_view,
        name="demonstration_decide",
    ),
]
