from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("directory/", views.directory_view, name="directory"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("verify/", views.verify_document_view, name="verify_document"),
    path("villages/", views.villages_view, name="villages"),
    path("villages/<int:village_id>/appoint/", views.village_appoint_view, name="village_appoint"),
    path(
        "villages/appointments/<int:appointment_id>/retire/",
        views.village_retire_view,
        name="village_retire",
    ),
]
