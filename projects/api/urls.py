from django.urls import path

from . import views

urlpatterns = [
    path("projects/", views.ProjectListCreateApi.as_view(), name="api-projects"),
    path("projects/<int:pk>/", views.ProjectDetailApi.as_view(), name="api-project"),
]
