from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("projects/<int:pk>/progress/", views.progress_report_view, name="progress"),
]
