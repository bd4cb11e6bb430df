from django.urls import path

from . import views

urlpatterns = [
    path("projects/<int:pk>/progress/", views.ProgressReportApi.as_view(), name="api-progress"),
    path("projects/<int:pk>/patrol-logs/", views.PatrolLogApi.as_view(), name="api-patrol-logs"),
    path("spot-check-plans/", views.PlanListApi.as_view(), name="api-spot-check-plans"),
    path(
        "spot-check-plans/<int:plan_id>/",
        views.PlanDetailApi.as_view(),
        name="api-spot-check-plan",
    ),
]
