from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    # The residents' side: no login.
    path("p/<str:token>/", views.public_page_view, name="public"),
    path("p/<str:token>/rate/", views.public_rate_view, name="rate"),
    path("p/<str:token>/phone-code/", views.public_phone_code_view, name="phone_code"),
    path("p/<str:token>/report/", views.public_report_view, name="report"),
    path("p/<str:token>/photos/<int:photo_id>/", views.public_photo_view, name="public_photo"),
    path("report-status/", views.report_status_view, name="report_status"),
    # Staff.
    path("ratings/projects/<int:pk>/sign.pdf", views.sign_view, name="sign"),
    path("ratings/projects/<int:pk>/qr.<str:fmt>", views.qr_view, name="qr"),
    path("ratings/moderation/", views.moderation_view, name="moderation"),
    path("ratings/reports/", views.report_list_view, name="reports"),
    path("ratings/reports/<int:report_id>/", views.report_detail_view, name="report"),
    path(
        "ratings/reports/<int:report_id>/conclude/",
        views.report_conclude_view,
        name="report_conclude",
    ),
    path("ratings/reports/<int:report_id>/reward/", views.report_reward_view, name="report_reward"),
    path("ratings/rewards/", views.reward_list_view, name="rewards"),
    path("ratings/reviews/<int:review_id>/decide/", views.review_decide_view, name="review_decide"),
]
