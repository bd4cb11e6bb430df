from django.urls import path

from . import views

urlpatterns = [
    path("dashboards/map/", views.MapDataApi.as_view(), name="api-dashboards-map"),
    path("open/oc4ids/", views.Oc4idsPackageApi.as_view(), name="api-open-oc4ids"),
    path("open/oc4ids/<int:pk>/", views.Oc4idsProjectApi.as_view(), name="api-open-oc4ids-project"),
]
