from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("projects/<int:pk>/transitions/<slug:name>/", views.transition_view, name="transition"),
    path("projects/<int:pk>/direct-award/", views.direct_award_view, name="direct_award"),
    path(
        "projects/<int:pk>/lottery/shortlist/",
        views.lottery_shortlist_view,
        name="lottery_shortlist",
    ),
    path("projects/<int:pk>/lottery/draw/", views.lottery_draw_view, name="lottery_draw"),
    path("projects/<int:pk>/lottery/commit/", views.lottery_commit_view, name="lottery_commit"),
    path("projects/<int:pk>/lottery/reveal/", views.lottery_reveal_view, name="lottery_reveal"),
    path("projects/<int:pk>/tender/", views.tender_view, name="tender"),
    path("projects/<int:pk>/consultation/", views.consultation_view, name="consultation"),
    path("projects/<int:pk>/framework-order/", views.framework_order_view, name="framework_order"),
    path("projects/<int:pk>/contract/", views.contract_view, name="contract"),
    path("projects/<int:pk>/changes/", views.change_request_view, name="change_request"),
    path("projects/<int:pk>/extensions/", views.extension_request_view, name="extension_request"),
    path(
        "projects/<int:pk>/extensions/<int:extension_id>/decision/",
        views.extension_decide_view,
        name="extension_decide",
    ),
    path(
        "projects/<int:pk>/changes/<int:change_id>/decision/",
        views.change_decide_view,
        name="change_decide",
    ),
    path(
        "projects/<int:pk>/escalation/approve/",
        views.escalation_approve_view,
        name="escalation_approve",
    ),
    path("flags/", views.flag_list_view, name="flags"),
]
