from django.urls import path

from . import views

urlpatterns = [
    path(
        "public/projects/<str:token>/ratings/",
        views.PublicRatingApi.as_view(),
        name="api-public-rating",
    ),
]
