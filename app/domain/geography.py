"""Where French postcodes are, and which postcodes a zone (département or radius) covers.

Points come from resources/reference/postcodes.csv (sources in SOURCES.md). A postcode with
no point of its own is placed at its département's centroid (the mean of that département's
postcode points).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from app.domain.postcodes import departement_code_for_postcode
from app.reference import REFERENCE_DIR

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PostcodePlace:
    postcode: str
    point: GeoPoint
    main_commune: str
    departement_code: str


@cache
def postcode_places() -> dict[str, PostcodePlace]:
    places = {}
    with (REFERENCE_DIR / "postcodes.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            postcode = row["postcode"]
            places[postcode] = PostcodePlace(
                postcode,
                GeoPoint(float(row["latitude"]), float(row["longitude"])),
                row["main_commune"],
                departement_code_for_postcode(postcode),
            )
    return places


@cache
def departement_centroids() -> dict[str, GeoPoint]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for place in postcode_places().values():
        entry = sums[place.departement_code]
        entry[0] += place.point.latitude
        entry[1] += place.point.longitude
        entry[2] += 1
    return {code: GeoPoint(lat / n, lon / n) for code, (lat, lon, n) in sums.items()}


def point_for_postcode(postcode: str) -> GeoPoint | None:
    place = postcode_places().get(postcode)
    if place is not None:
        return place.point
    return departement_centroids().get(departement_code_for_postcode(postcode))


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance (haversine)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def postcodes_within(center: GeoPoint, radius_km: float) -> frozenset[str]:
    return frozenset(
        place.postcode
        for place in postcode_places().values()
        if distance_km(center, place.point) <= radius_km
    )
