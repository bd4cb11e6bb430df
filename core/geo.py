"""Distances on the Earth's surface: the one haversine of the project (photos far from their
site, 化整为零 projects near each other)."""

import math

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
