from django.urls import path

from . import payment_views, views

app_name = "projects"
urlpatterns = [
    path("", views.project_list_view, name="list"),
    path("new/", views.project_create_view, name="create"),
    path("tier-preview/", views.tier_preview_view, name="tier_preview"),
    path("<int:pk>/", views.project_detail_view, name="detail"),
    path("<int:pk>/edit/", views.project_edit_view, name="edit"),
    path("<int:pk>/budget-lines/", views.budget_lines_view, name="budget_lines"),
    path("<int:pk>/class/", views.project_class_view, name="set_class"),
    path("attachments/<int:pk>/", views.attachment_download_view, name="attachment"),
    path("<int:pk>/start-documents/", views.start_document_view, name="start_documents"),
    path(
        "<int:pk>/start-documents/<int:document_id>/",
        views.start_document_download_view,
        name="start_document",
    ),
    path("<int:pk>/village-decision/", views.village_decision_view, name="village_decision"),
    path("<int:pk>/village-result/", views.village_result_view, name="village_result"),
    path("<int:pk>/village/", views.village_set_view, name="village"),
    path("<int:pk>/village-photos/<slug:which>/", views.village_photo_view, name="village_photo"),
    path("<int:pk>/tracker/", views.tracker_view, name="tracker"),
    path("<int:pk>/payments/", payment_views.payment_request_view, name="payment_request"),
    path("<int:pk>/settlement/", payment_views.settlement_view, name="settlement"),
    path(
        "<int:pk>/settlement/review.pdf",
        payment_views.settlement_review_view,
        name="settlement_review",
    ),
    path("payments/", payment_views.payment_ledger_view, name="payment_ledger"),
    path("payments/queue/", payment_views.payment_queue_view, name="payment_queue"),
    path(
        "payments/<int:payment_id>/approve/",
        payment_views.payment_approve_view,
        name="payment_approve",
    ),
    path(
        "payments/<int:payment_id>/return/",
        payment_views.payment_return_view,
        name="payment_return",
    ),
    path("payments/<int:payment_id>/paid/", payment_views.payment_paid_view, name="payment_paid"),
]
