"""Places: geography by position instead of by document, for the embedded engine.

Listings sit at a few hundred sites, and every listing of a site has the site's coordinates. A
*place* is one distinct position; each document at a position carries its place token
(schema.place_token: quadtree digits, then the exact coordinates) and the `cells`
table counts the documents per place. A search with a radius, a map box or a distance sort reads
the places (hundreds of rows), and computes in Python, once per place, the exact haversine
distance and whether the place passes the radius and the box. Then:

- The radius and the box can become an FTS5 tag filter: the places inside, written as few
  quadtree prefixes (`cover`: a cell whose places are all inside is one prefix query). It costs
  about 0.3 µs per document at those places, whatever the text; the generic test (a `docs`
  lookup and the exact distance per text match) costs about 1 µs per text match. `choose` takes
  the filter when a sample of the matches (the oldest few, against how many documents are older)
  says there are more than PAY_OFF × the documents inside; browsing always takes it.
- A distance sort reads the page only: the places nearest first, grouped by equal distance, in
  batches sized from the expected matches, each batch one FTS5 query for the matches at its
  places (`nearest_page`). Inside a group the order is the key order, newest first; across the
  groups the distance decides, as before. Documents without a position come last, newest first.
  The page is read so whether or not the radius became a place filter: without the filter only
  the count tests each match's position (in SQL, one pass).

Totals and facets stay exact (one pass over the matches at the places inside). With more than
MAX_PLACES places or a cover of more than MAX_COVER prefixes, `narrow` returns None and the
engine uses the generic path throughout.
"""

import struct
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ..query import SearchQuery
from .geo import haversine
from .schema import QUAD_DEPTH
from .sql import Filters, browsing, limit, matching

MAX_PLACES = 5000  # beyond this many places, the generic path
MAX_COVER = 64  # FTS5 prefixes one place filter may take
PAY_OFF, SAMPLE = 0.35, 64  # the filter pays off beyond PAY_OFF matches per document inside
ALL_PLACED = '{tags} : "§q"*'  # every document with a position (a 2-character prefix: indexed)


@dataclass(slots=True)
class Place:
    token: str
    lat: float
    lng: float
    n: int  # documents at the place (stale ones too)
    distance: float | None = None  # from the query point, km (exact haversine)


@lru_cache(maxsize=65536)
def _position(token: str) -> tuple[float, float]:
    return struct.unpack(">dd", bytes.fromhex(token[QUAD_DEPTH + 3 :]))


@dataclass
class PlaceSet:
    """The places of a search: all of them (sorted by token, i.e. quadtree order) and those
    passing the radius and the box, nearest first when there is a point."""

    every: list[Place]
    chosen: list[Place]
    bounded: bool  # a radius or a box: documents without a position never pass
    everything: int  # documents in the index
    fragments: list[str] = field(default_factory=list)  # the cover of the chosen places
    applied: bool = False  # the radius and the box are place filters in the Filters
    paged: bool = False  # a distance sort's page was read by places (nearest_page)

    def groups(self) -> list[list[Place]]:
        """The chosen places by distance, those at the same distance together."""
        found: list[list[Place]] = []
        for place in self.chosen:
            if found and found[-1][0].distance == place.distance:
                found[-1].append(place)
            else:
                found.append([place])
        return found

    @property
    def filtering(self) -> bool:
        """Whether the page and facets go by places: no radius or box, or they are filters."""
        return self.applied or not self.bounded

    def choose(self, conn, expression: str | None, f: Filters) -> None:
        """Turn the radius and the box of `f` into place filters when that pays off for the
        FTS5 expression (None: browsing, where it always does)."""
        if self.filtering:
            return
        if expression is not None:
            threshold = PAY_OFF * sum(p.n for p in self.chosen) + 1000
            plain = replace(f, on_doc=[c for c in f.on_doc if c not in f.geo_sql], cells=[])
            oldest = conn.execute(
                *matching(expression, plain, "fts.rowid", limit(f, SAMPLE))
            ).fetchall()
            if len(oldest) < SAMPLE:
                return
            cap = int(SAMPLE * self.everything / threshold) + 1  # as many older: few matches
            older = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM docs WHERE key <= ? LIMIT ?)",
                (oldest[-1][0], cap),
            ).fetchone()[0]
            if older >= cap:
                return
        f.places_in = _any(self.fragments)
        f.on_doc = [c for c in f.on_doc if c not in f.geo_sql]
        f.cells, self.applied = [], True


def narrow(conn, query: SearchQuery, f: Filters, distance_sort: bool) -> PlaceSet | None:
    """The places of a query with a radius, a box or a distance sort (None: without, or too many
    places, or too long a cover). No place passing the radius and the box: f.nothing."""
    radius = float(query.radius_km) if query.radius_km is not None and f.point is not None else None
    if radius is None and query.bbox is None and not distance_sort:
        return None
    rows = conn.execute(
        "SELECT token, n FROM cells WHERE token >= '§q' AND token < '§r' AND n > 0 "
        "ORDER BY token LIMIT ?",
        (MAX_PLACES + 1,),
    ).fetchall()
    if len(rows) > MAX_PLACES:
        return None
    every = []
    for token, n in rows:
        lat, lng = _position(token)
        distance = haversine(f.point.lat, f.point.lng, lat, lng) if f.point is not None else None
        every.append(Place(token, lat, lng, n, distance))
    chosen = [
        p for p in every if (radius is None or p.distance <= radius) and _in_box(query.bbox, p)
    ]
    if distance_sort:
        chosen.sort(key=lambda p: p.distance)
    everything = conn.execute(
        "SELECT coalesce(max(n), 0) FROM cells WHERE token = '§all'"
    ).fetchone()[0]
    found = PlaceSet(every, chosen, radius is not None or query.bbox is not None, everything)
    if found.bounded:
        if not chosen:
            f.nothing = True
            return None
        found.fragments = cover(every, {p.token for p in chosen})
        if len(found.fragments) > MAX_COVER:
            return None
    return found


def _in_box(bbox, place: Place) -> bool:
    """The box test of sql.filters, in Python (west > east crosses the antimeridian)."""
    if bbox is None:
        return True
    south, west, north, east = (float(v) for v in bbox)
    if not south <= place.lat <= north:
        return False
    return west <= place.lng <= east if west <= east else (place.lng >= west or place.lng <= east)


def _any(fragments: list[str]) -> str:
    return f"{{tags}} : ({' OR '.join(fragments)})"


def cover(every: list[Place], chosen: set[str]) -> list[str]:
    """FTS5 phrases matching the documents at the `chosen` place tokens and at no other place of
    `every` (sorted by token): a quadtree cell whose places are all chosen is one prefix query
    (cells without places are free to join either side); a mixed cell is split into its four
    quarters, down to the exact tokens."""
    found: list[str] = []
    before = [0]  # before[i]: chosen places among every[:i]
    for place in every:
        before.append(before[-1] + (place.token in chosen))

    def walk(lo: int, hi: int, depth: int) -> None:
        hits = before[hi] - before[lo]
        if hits == hi - lo:
            if hits:
                found.append(f'"{every[lo].token[: 2 + depth]}"*')
            return
        if not hits:
            return
        while depth < QUAD_DEPTH and every[lo].token[2 + depth] == every[hi - 1].token[2 + depth]:
            depth += 1  # one quarter holds them all (sorted: first and last agree)
        if depth == QUAD_DEPTH:
            found.extend(f'"{p.token}"' for p in every[lo:hi] if p.token in chosen)
            return
        start, column = lo, 2 + depth
        for i in range(lo + 1, hi + 1):
            if i == hi or every[i].token[column] != every[start].token[column]:
                walk(start, i, depth + 1)
                start = i

    walk(0, len(every), 0)
    return found


def nearest_page(
    conn, query: SearchQuery, expression: str | None, f: Filters, places: PlaceSet, total: int
) -> list[int]:
    """Keys of the page of a distance sort (exact distance, then newest), over the documents
    the FTS5 expression (None: browsing) matches and `f` passes; `total` is how many there are
    (it sizes the batches)."""
    need = query.offset + query.per_page
    groups, keys = places.groups(), []
    places.paged = True
    # Every place of a batch passed the radius and the box (exactly, in Python), so the
    # matches there need no position test of their own.
    exact = [c for c in f.on_doc if c not in f.geo_sql]
    density = total / max(1, sum(p.n for p in places.chosen))  # expected matches per document
    i = 0
    while i < len(groups) and len(keys) < need:
        batch, expected = [], 0.0
        while i < len(groups) and (
            not batch
            or (expected < 2 * (need - len(keys)) + 8 and len(batch) + len(groups[i]) <= MAX_COVER)
        ):
            batch += groups[i]
            expected += density * sum(p.n for p in groups[i])
            i += 1
        sub = replace(
            f,
            places_in=_any(cover(places.every, {p.token for p in batch})),
            places_out=[],
            on_doc=exact,
            cells=[],
        )
        if len({p.distance for p in batch}) == 1:  # one distance: newest first, only what is needed
            tail = f"ORDER BY fts.rowid DESC {limit(f, need - len(keys))}"
            keys += [row[0] for row in conn.execute(*matching(expression, sub, "fts.rowid", tail))]
            continue
        distance = {(p.lat, p.lng): p.distance for p in batch}
        rows = conn.execute(
            *matching(expression, sub, "fts.rowid, docs.lat, docs.lng", join=True)
        ).fetchall()
        keys += [
            key for _, _, key in sorted((distance[(lat, lng)], -key, key) for key, lat, lng in rows)
        ]
    if len(keys) < need and not places.bounded:  # then the documents without a position
        keys += _unplaced(conn, expression, f, need - len(keys))
    return keys[query.offset : need]


def _unplaced(conn, expression: str | None, f: Filters, count: int) -> list[int]:
    """The newest `count` matches without a position."""
    if expression is None:
        tail = (
            f"AND (docs.lat IS NULL OR docs.lng IS NULL) ORDER BY docs.key DESC {limit(f, count)}"
        )
        return [row[0] for row in conn.execute(*browsing(f, "docs.key", tail))]
    sub = replace(f, places_out=f.places_out + [ALL_PLACED])
    return [
        row[0]
        for row in conn.execute(
            *matching(expression, sub, "fts.rowid", f"ORDER BY fts.rowid DESC {limit(f, count)}")
        )
    ]
