from django.urls import path

from . import views, village_views

app_name = "inspections"
urlpatterns = [
    path("capture/", views.capture_view, name="capture"),
    path("capture/manifest.webmanifest", views.capture_manifest_view, name="capture_manifest"),
    path("capture/sw.js", views.capture_service_worker_view, name="capture_sw"),
    path("photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("village/", village_views.village_home_view, name="village"),
    path("village/projects/<int:pk>/", village_views.village_project_view, name="village_project"),
    path(
        "village/projects/<int:pk>/observations/",
        village_views.village_observation_view,
        name="village_observation",
    ),
    path(
        "village/observations/<int:observation_id>/item/",
        village_views.village_observation_item_view,
        name="village_observation_item",
    ),
    path("village/projects/<int:pk>/sign/", village_views.village_sign_view, name="village_sign"),
    path("village/photos/<int:photo_id>/", village_views.village_photo_view, name="village_photo"),
    path(
        "photos/<int:photo_id>/original/",
        views.photo_view,
        {"original": True},
        name="photo_original",
    ),
    path("ledger/", views.ledger_view, name="ledger"),
    path("ledger/export.xlsx", views.ledger_export_view, name="ledger_export"),
    path("plans/", views.plan_list_view, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail_view, name="plan"),
    path("plans/<int:plan_id>/assign/", views.plan_assign_view, name="plan_assign"),
    path("plans/<int:plan_id>/export.xlsx", views.plan_export_view, name="plan_export"),
    path("rounds/", views.round_list_view, name="rounds"),
    path("rounds/<int:round_id>/", views.round_detail_view, name="round"),
    path("rounds/<int:round_id>/export.<str:fmt>", views.round_export_view, name="round_export"),
    path("projects/<int:pk>/progress/", views.progress_report_view, name="progress"),
    path("projects/<int:pk>/patrol-log/", views.patrol_log_view, name="patrol_log"),
    path("projects/<int:pk>/items/", views.item_open_view, name="item_open"),
    path("projects/<int:pk>/spot-check/", views.spot_check_view, name="spot_check"),
    path("projects/<int:pk>/lab-test/", views.lab_test_view, name="lab_test"),
    path("projects/<int:pk>/acceptance/", views.acceptance_view, name="acceptance"),
    path("items/<int:item_id>/", views.item_detail_view, name="item"),
    path(
        "items/<int:item_id>/stages/<int:stage_id>/done/",
        views.item_stage_done_view,
        name="item_stage_done",
    ),
    path("items/<int:item_id>/assess/", views.item_assess_view, name="item_assess"),
    path("items/<int:item_id>/carry-over/", views.item_carry_over_view, name="item_carry_over"),
    path("items/<int:item_id>/submit/", views.item_submit_view, name="item_submit"),
    path("items/<int:item_id>/close/", views.item_close_view, name="item_close"),
    path("items/<int:item_id>/send-back/", views.item_send_back_view, name="item_send_back"),
]
