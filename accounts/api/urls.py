from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenApi.as_view(), name="api-token"),
    path("auth/tokens/", views.TokenListApi.as_view(), name="api-tokens"),
    path(
        "auth/tokens/<str:token_id>/revoke/",
        views.TokenRevokeApi.as_view(),
        name="api-token-revoke",
    ),
    path("auth/logout/", views.LogoutApi.as_view(), name="api-logout"),
    path("auth/logout-all/", views.LogoutAllApi.as_view(), name="api-logout-all"),
]
