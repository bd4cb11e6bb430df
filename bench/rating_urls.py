"""The platform's URLs plus the bare view: a Django view that inserts one rating row with the
ORM and nothing else (no validation, no rate limit, no screening)."""

import os
import uuid

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as platform
from ratings.choices import RatingStatus
from ratings.models import Rating


@csrf_exempt
def bare_insert(request):
    rating = Rating.objects.create(
        project_id=int(os.environ["BENCH_PROJECT_ID"]),
        score=90,
        device=uuid.uuid4().hex,
        network="bench",
        status=RatingStatus.REJECTED,
    )
    return JsonResponse({"id": rating.pk}, status=201)


urlpatterns = [path("bench/bare/", bare_insert), *platform]
