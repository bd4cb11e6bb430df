from django.urls import path

from . import views

urlpatterns = [
    path("scores/", views.ScoreListApi.as_view(), name="api-performance-scores"),
    path("warnings/", views.WarningListApi.as_view(), name="api-performance-warnings"),
    path("credit/", views.CreditListApi.as_view(), name="api-performance-credit"),
    path(
        "credit/<int:organisation_id>/",
        views.CreditCompanyApi.as_view(),
        name="api-performance-credit-company",
    ),
]
