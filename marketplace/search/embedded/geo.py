"""Geography for the embedded engine: haversine distances, the radius test in SQL, grid cells.

The radius test runs per candidate, so it avoids haversine's trigonometry where it can: a flat
(equirectangular) distance, scaled at the query point's latitude, is off by a relative error we
can bound (`flat_error`). Candidates clearly inside or outside by that measure are decided by
it; only those in the thin band around the radius get the exact haversine. Sorting by distance
works the same way: flat order, then exact distances where the flat one could mislead.
"""

import heapq
import math

from .schema import GRID_DEGREES, grid_cell, grid_token

EARTH_KM = 6371.0088  # mean Earth radius (IUGG), as in the tests' haversine
KM_PER_DEGREE = math.pi * EARTH_KM / 180
MAX_CELLS = 64  # grid cells a radius or box may be narrowed to


def haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in km."""
    dlat, dlng = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlng / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def flat_error(lat: float, radius_km: float) -> float:
    """A bound (with a factor 2 to spare) on the relative error of the flat distance within
    `radius_km` of a point at `lat`: the cosine of latitude changes across the circle (tan·θ)
    and the sphere curves (θ²)."""
    theta = radius_km / EARTH_KM
    steepest = math.tan(math.radians(min(89.0, abs(lat) + math.degrees(theta))))
    return 2 * (steepest * theta + theta * theta) + 1e-9


class Point:
    """The query point, with SQL for distances to docs.lat/lng (bound as parameters)."""

    def __init__(self, lat: float, lng: float, params):
        self.lat, self.lng = float(lat), float(lng)
        self._lat, self._lng = params.add(self.lat), params.add(self.lng)
        self._ky, self._kx = (
            params.add(KM_PER_DEGREE),
            params.add(KM_PER_DEGREE * math.cos(math.radians(self.lat))),
        )
        self._cos = params.add(math.cos(math.radians(self.lat)))
        self.params = params

    @property
    def flat2_sql(self) -> str:
        """The squared flat distance in km² (arithmetic only)."""
        dy = f"((docs.lat - {self._lat}) * {self._ky})"
        dx = f"((docs.lng - {self._lng}) * {self._kx})"
        return f"({dy} * {dy} + {dx} * {dx})"

    @property
    def haversine_sql(self) -> str:
        return (
            f"({2 * EARTH_KM!r} * asin(min(1.0, sqrt("
            f"pow(sin(radians(docs.lat - {self._lat}) / 2), 2)"
            f" + {self._cos} * cos(radians(docs.lat))"
            f" * pow(sin(radians(docs.lng - {self._lng}) / 2), 2)))))"
        )

    def wraps(self, radius_km: float) -> bool:
        """Whether the circle's box crosses the antimeridian or a pole (flat distance is off)."""
        dlat = radius_km / KM_PER_DEGREE * 1.01
        dlng = dlat / math.cos(math.radians(min(89.9, abs(self.lat) + dlat)))
        return not (
            -90 < self.lat - dlat
            and self.lat + dlat < 90
            and -180 < self.lng - dlng
            and self.lng + dlng < 180
        )

    def within_sql(self, radius_km: float) -> list[str]:
        """Conditions: the row's point is at most radius_km away (exactly, by haversine)."""
        p, r = self.params, float(radius_km)
        if self.wraps(r):
            return [f"{self.haversine_sql} <= {p.add(r)}"]
        dlat = r / KM_PER_DEGREE * 1.01
        dlng = dlat / math.cos(math.radians(min(89.9, abs(self.lat) + dlat)))
        error = flat_error(self.lat, r)
        outer, inner = p.add((r * (1 + error)) ** 2), p.add(max(0.0, r * (1 - error)) ** 2)
        return [
            f"docs.lat BETWEEN {p.add(self.lat - dlat)} AND {p.add(self.lat + dlat)}",
            f"docs.lng BETWEEN {p.add(self.lng - dlng)} AND {p.add(self.lng + dlng)}",
            f"{self.flat2_sql} <= {outer}",
            f"({self.flat2_sql} <= {inner} OR {self.haversine_sql} <= {p.add(r)})",
        ]


def nearest(rows: list[tuple], point: Point, offset: int, limit: int) -> list[int]:
    """Keys of rows (key, flat², lat, lng) nearest first (exact distance, then newest),
    from `offset`, `limit` of them; rows without a position come last, newest first."""
    need = offset + limit
    placed = [r for r in rows if r[2] is not None and r[3] is not None]
    unplaced = sorted((r[0] for r in rows if r[2] is None or r[3] is None), reverse=True)
    candidates = placed
    top = heapq.nsmallest(need, placed, key=lambda r: r[1])
    if top and not point.wraps(2 * math.sqrt(top[-1][1]) + 1):
        # A row whose flat distance is beyond `reach` is exactly farther than each of the
        # `need` nearest by flat distance, so it cannot be among the first `need`.
        cut = math.sqrt(top[-1][1])
        error = flat_error(point.lat, 2 * cut + 1e-3)
        reach = (cut * (1 + error) / (1 - error) + 1e-9) ** 2 if error < 1 else math.inf
        candidates = [r for r in placed if r[1] <= reach]
    exact = sorted(candidates, key=lambda r: (haversine(point.lat, point.lng, r[2], r[3]), -r[0]))
    return ([r[0] for r in exact[:need]] + unplaced)[offset:need]


def cells(south: float, west: float, north: float, east: float) -> list[str]:
    """Tokens of the cells covering a box, at the finest grid needing at most MAX_CELLS of
    them ([] when even the coarsest needs more: no narrowing)."""
    for level in range(len(GRID_DEGREES)):
        (r0, c0), (r1, c1) = grid_cell(level, south, west), grid_cell(level, north, east)
        if (r1 - r0 + 1) * (c1 - c0 + 1) <= MAX_CELLS:
            return [grid_token(level, r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    return []


def radius_cells(lat: float, lng: float, radius_km: float) -> list[str]:
    """Cells covering a circle ([] near the antimeridian or a pole: no narrowing)."""
    dlat = radius_km / KM_PER_DEGREE * 1.01
    dlng = dlat / math.cos(math.radians(min(89.9, abs(lat) + dlat)))
    if -90 < lat - dlat and lat + dlat < 90 and -180 < lng - dlng and lng + dlng < 180:
        return cells(lat - dlat, lng - dlng, lat + dlat, lng + dlng)
    return []
