"""The per-address limit stops machine rates only: thirty residents behind one carrier address
over half an hour all rate (the screening may hold some for a person to look at), a script
sending fifty in a minute is stopped with a clear message (#16)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ratings.models import Rating
from ratings.tests.test_ratings import finished

pytestmark = pytest.mark.django_db

CARRIER = "117.30.1.1"  # one mobile carrier's address in front of a crowd of phones


def _rate(project, score=80):
    return Client().post(  # a phone of its own: no cookie
        reverse("ratings:rate", args=[project.public_token]),
        {"score": str(score)},
        REMOTE_ADDR=CARRIER,
        follow=True,
    )


def test_thirty_residents_on_one_address_over_half_an_hour_all_rate(district):
    cache.clear()
    project = finished(district)
    start = timezone.now()
    for n in range(30):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            page = _rate(project).content.decode()
            assert "感谢您的评价" in page, n
    assert Rating.objects.filter(project=project).count() == 30  # counted or held, none lost


def test_a_machine_sending_fifty_in_a_minute_is_stopped(district, settings):
    cache.clear()
    project = finished(district)
    limit = int(settings.RATING_RATE_LIMIT.split("/")[0])
    with time_machine.travel(timezone.now(), tick=False):  # one instant: one limit window
        pages = [_rate(project).content.decode() for _n in range(50)]
    refused = [p for p in pages if "提交过于频繁" in p]
    assert len(refused) == 50 - limit
    assert Rating.objects.filter(project=project).count() == limit
