from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("directory/", views.directory_view, name="directory"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("verify/", views.verify_document_view, name="verify_document"),
]
