"""Distances on the Earth's surface: the one haversine of the project (photos far from their
site, 化整为零 projects near each other); and whether a place lies in the district."""

import json
import math
from functools import cache
from itertools import pairwise
from pathlib import Path

# The mean Earth radius (IUGG), in metres.
EARTH_RADIUS_M = 6_371_008.8


def distance_metres(lat1, lon1, lat2, lon2) -> float:
    """Great-circle (haversine) distance between two positions in decimal degrees (numbers,
    Decimals or numeric strings)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# The district's outline, shipped with the platform (the map page draws the same file). It is a
# schematic outline, not a surveyed boundary: a place within DISTRICT_MARGIN_M of its edge counts
# as inside, so that works on the border are not refused (docs/rules.md §1).
DISTRICT_OUTLINE = (
    Path(__file__).resolve().parent.parent / "static" / "dashboards" / "licheng-outline.geojson"
)
DISTRICT_MARGIN_M = 500


@cache
def district_ring() -> tuple[tuple[float, float], ...]:
    """The outline's ring as (longitude, latitude) pairs, from the first polygon of the file."""
    data = json.loads(DISTRICT_OUTLINE.read_text(encoding="utf-8"))
    for feature in data.get("features", [data]):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Polygon":
            return tuple((float(x), float(y)) for x, y in geometry["coordinates"][0])
    raise ValueError(f"no polygon in {DISTRICT_OUTLINE}")


def _inside_ring(lng: float, lat: float, ring) -> bool:
    """Ray casting: a point is inside when a ray from it crosses the ring an odd number of
    times."""
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _metres_to_ring(lng: float, lat: float, ring) -> float:
    """Distance to the nearest edge, on a local flat projection (ample at a district's scale)."""
    kx = 111_320 * math.cos(math.radians(lat))
    ky = 110_540
    best = math.inf
    for (x1, y1), (x2, y2) in pairwise(ring):
        ax, ay = (x1 - lng) * kx, (y1 - lat) * ky
        bx, by = (x2 - lng) * kx, (y2 - lat) * ky
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def in_district(lat, lng, margin_m: float = DISTRICT_MARGIN_M) -> bool:
    """Whether a place (decimal degrees) lies in the district, or within `margin_m` of its
    outline."""
    ring = district_ring()
    lat_f, lng_f = float(lat), float(lng)
    return _inside_ring(lng_f, lat_f, ring) or _metres_to_ring(lng_f, lat_f, ring) <= margin_m
