"""The address residents reach a project at (the QR code's target), for the API and the site
sign. The page itself belongs to the residents' side (ratings); only its URL name is used here."""

from django.conf import settings
from django.urls import reverse


def public_url(project, request=None) -> str:
    path = reverse("ratings:public", args=[project.public_token])
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path
