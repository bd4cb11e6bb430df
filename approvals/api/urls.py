from django.urls import path

from . import views

urlpatterns = [
    path(
        "projects/<int:pk>/transitions/<slug:name>/",
        views.ProjectTransitionApi.as_view(),
        name="api-project-transition",
    ),
    path(
        "projects/<int:pk>/direct-award/", views.DirectAwardApi.as_view(), name="api-direct-award"
    ),
    path("projects/<int:pk>/lottery/", views.LotteryApi.as_view(), name="api-lottery"),
    path(
        "projects/<int:pk>/lottery/shortlist/",
        views.LotteryShortlistApi.as_view(),
        name="api-lottery-shortlist",
    ),
    path(
        "projects/<int:pk>/lottery/commit/",
        views.LotteryCommitApi.as_view(),
        name="api-lottery-commit",
    ),
    path(
        "projects/<int:pk>/lottery/reveal/",
        views.LotteryRevealApi.as_view(),
        name="api-lottery-reveal",
    ),
    path(
        "projects/<int:pk>/lottery/draw/", views.LotteryDrawApi.as_view(), name="api-lottery-draw"
    ),
    path("projects/<int:pk>/tender/", views.TenderApi.as_view(), name="api-tender"),
    path(
        "projects/<int:pk>/consultation/",
        views.ConsultationApi.as_view(),
        name="api-consultation",
    ),
    path(
        "projects/<int:pk>/framework-order/",
        views.FrameworkOrderApi.as_view(),
        name="api-framework-order",
    ),
    path("projects/<int:pk>/contract/", views.ContractApi.as_view(), name="api-contract"),
    path("projects/<int:pk>/changes/", views.ChangeRequestApi.as_view(), name="api-change-request"),
    path(
        "changes/<int:change_id>/decision/",
        views.ChangeDecisionApi.as_view(),
        name="api-change-decision",
    ),
    path(
        "projects/<int:pk>/escalation/approve/",
        views.EscalationApproveApi.as_view(),
        name="api-escalation-approve",
    ),
    path("flags/", views.FlagListApi.as_view(), name="api-flags"),
]
