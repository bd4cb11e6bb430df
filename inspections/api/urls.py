from django.urls import path

from . import views

urlpatterns = [
    path("projects/<int:pk>/progress/", views.ProgressReportApi.as_view(), name="api-progress"),
]
