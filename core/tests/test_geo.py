"""The one haversine: photos far from their site and 化整为零 neighbours both measure with it."""

from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest

from approvals import splits
from core.geo import distance_metres
from inspections import photos

METRES_PER_DEGREE_LAT = 111_195


def test_distance_metres_is_haversine():
    assert distance_metres(0, 0, 0, 0) == 0
    assert distance_metres(31, 121, 32, 121) == pytest.approx(METRES_PER_DEGREE_LAT, rel=1e-3)
    # Shanghai People's Square to Beijing Tiananmen: about 1067 km.
    assert distance_metres(31.2304, 121.4737, 39.9087, 116.3975) == pytest.approx(
        1_067_000, rel=0.01
    )
    # Antipodes: the rounding never takes the square root above 1.
    assert distance_metres(0, 0, 0, 180) == pytest.approx(20_015_087, rel=1e-4)


def test_photos_and_splits_measure_with_the_same_function():
    a = SimpleNamespace(latitude=Decimal("31.2304"), longitude=Decimal("121.4737"))
    b = SimpleNamespace(latitude=Decimal("31.2350"), longitude=Decimal("121.4800"))
    expected = distance_metres(a.latitude, a.longitude, b.latitude, b.longitude)
    assert splits.distance_metres(cast(Any, a), cast(Any, b)) == expected
    facts = photos.PhotoFacts(
        sha256="0" * 64,
        phash="0" * 16,
        width=10,
        height=10,
        content_type="image/jpeg",
        taken_at=None,
        latitude=a.latitude,
        longitude=a.longitude,
    )
    assert photos.gps_far_from(facts, b.latitude, b.longitude, limit_m=expected - 1) is True
    assert photos.gps_far_from(facts, b.latitude, b.longitude, limit_m=expected + 1) is False
    assert (
        splits.distance_metres(
            cast(Any, a), cast(Any, SimpleNamespace(latitude=None, longitude=None))
        )
        is None
    )
