from django.urls import path

from . import payment_views as views

urlpatterns = [
    path("payments/", views.PaymentLedgerApi.as_view(), name="api-payments"),
    path(
        "projects/<int:pk>/payments/",
        views.ProjectPaymentsApi.as_view(),
        name="api-project-payments",
    ),
    path(
        "payments/<int:payment_id>/approve/",
        views.PaymentApproveApi.as_view(),
        name="api-payment-approve",
    ),
    path(
        "payments/<int:payment_id>/return/",
        views.PaymentReturnApi.as_view(),
        name="api-payment-return",
    ),
    path("payments/<int:payment_id>/pay/", views.PaymentPaidApi.as_view(), name="api-payment-pay"),
    path("projects/<int:pk>/settlement/", views.SettlementApi.as_view(), name="api-settlement"),
]
