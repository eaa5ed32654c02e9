"""SearchQuery → Meilisearch search request, and the response → SearchResult.

The request is built only from the query model. Filter strings follow the engine's grammar
(behaviour reference 1.4): attribute names come from a whitelist, numbers go through int() or
float(), and every string is escaped (backslash first, then double quote) and double-quoted,
so a value such as `brick" OR category = "timber` stays one quoted value.
"""

import html
import math

from ... import clock
from ..documents import day_number
from ..query import SearchHit, SearchQuery, SearchResult
from .documents import MARK_POST, MARK_PRE
from .settings import FILTERABLE, LANGUAGES, QUERY_LOCALES, SEARCHABLE
from .why import matches

FACETS = ["category", "condition"]
TITLE_FIELDS = [f"title_{lang}" for lang in LANGUAGES]
EARTH_RADIUS_M = 6_371_000  # the radius Meilisearch's haversine (geoutils) uses
_OPERATORS = ("=", "!=", ">", ">=", "<", "<=")


def quote(value: str) -> str:
    """A filter string literal: `a"b\\c` → `"a\\"b\\\\c"` (escape backslashes first)."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def number(value, *, integer: bool = False) -> str:
    """A finite number as filter text; fixed-point, because _geoPoint only accepts digits . -"""
    if integer:
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return f"{value:.6f}"


def _attribute(name: str) -> str:
    if name not in FILTERABLE:
        raise ValueError(f"{name!r} is not a filterable attribute")
    return name


def compare(attribute: str, operator: str, value) -> str:
    """`attribute operator value` with a whitelisted name; str values quoted, ints via int()."""
    if operator not in _OPERATORS:
        raise ValueError(f"unknown operator {operator!r}")
    if isinstance(value, bool):
        literal = "true" if value else "false"
    elif isinstance(value, int):
        literal = number(value, integer=True)
    elif isinstance(value, str):
        literal = quote(value)
    else:
        raise TypeError(f"filter values are str, int or bool, not {type(value).__name__}")
    return f"{_attribute(attribute)} {operator} {literal}"


def any_of(attribute: str, values) -> str:
    """One comparison, or several joined by OR in parentheses."""
    parts = [compare(attribute, "=", v) for v in values]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _check_point(lat: float, lng: float) -> None:
    if not (-90 <= float(lat) <= 90 and -180 <= float(lng) <= 180):
        raise ValueError(f"point out of range: {lat!r}, {lng!r}")


def filter_expression(query: SearchQuery) -> str:
    """Every clause of `query` ANDed; listings whose window is over never match."""
    clauses = [compare("available_until_day", ">=", day_number(clock.today()))]
    if not query.early_access:  # staged release: only what is open to everyone by now
        clauses.append(compare("public_from", "<=", int(clock.now().timestamp())))
    if query.available_on is not None:
        day = day_number(query.available_on)
        clauses += [
            compare("available_from_day", "<=", day),
            compare("available_until_day", ">=", day),
        ]
    if query.free_only:
        clauses.append(compare("free", "=", True))
    if query.site_id is not None:
        clauses.append(compare("site_id", "=", int(query.site_id)))
    if query.categories:
        clauses.append(any_of("category", query.categories))
    if query.conditions:
        clauses.append(any_of("condition", query.conditions))
    if query.has_point and query.radius_km is not None:
        _check_point(query.lat, query.lng)
        meters = max(1, round(float(query.radius_km) * 1000))
        clauses.append(f"_geoRadius({number(query.lat)}, {number(query.lng)}, {meters})")
    if query.bbox is not None:
        south, west, north, east = (float(v) for v in query.bbox)
        _check_point(south, west)
        _check_point(north, east)
        clauses.append(
            f"_geoBoundingBox([{number(north)}, {number(east)}], [{number(south)}, {number(west)}])"
        )
    return " AND ".join(clauses)


def sort(query: SearchQuery) -> list[str]:
    """relevance → engine order; newest, price and distance as sort keys."""
    chosen = query.effective_sort
    if chosen == "newest":
        return ["created_ts:desc"]
    if chosen == "price":
        return ["price_cents:asc"]
    if chosen == "distance" and query.has_point:
        _check_point(query.lat, query.lng)
        return [f"_geoPoint({number(query.lat)},{number(query.lng)}):asc"]
    return []


def request(query: SearchQuery) -> dict:
    """The POST /indexes/{uid}/search body (without `q`, which the client adds)."""
    params = {
        "filter": filter_expression(query),
        "page": int(query.page),
        "hitsPerPage": int(query.per_page),
        "facets": [*FACETS, *query.facets],
        "attributesToRetrieve": ["id", "_geo", *SEARCHABLE],
        "attributesToHighlight": list(TITLE_FIELDS),
        "highlightPreTag": MARK_PRE,
        "highlightPostTag": MARK_POST,
        # As the embedded engine: drop plain words from the end, never a phrase (the default,
        # stated so that a changed default cannot part the backends).
        "matchingStrategy": "last",
        "locales": list(QUERY_LOCALES),
        # Why a result is there (why.py): the matched words and the typo rule's count.
        "showMatchesPosition": True,
        "showRankingScoreDetails": True,
    }
    keys = sort(query)
    if keys:
        params["sort"] = keys
    return params


def highlight_html(marked: str) -> str:
    """HTML-escape a highlighted string, then turn the private markers into balanced <mark>s."""
    out, open_ = [], False
    for ch in html.escape(marked, quote=True):
        if ch == MARK_PRE:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif ch == MARK_POST:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(ch)
    if open_:
        out.append("</mark>")
    return "".join(out)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in km on Meilisearch's sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))) / 1000


def _distance_km(hit: dict, query: SearchQuery) -> float | None:
    if "_geoDistance" in hit:
        return round(float(hit["_geoDistance"]) / 1000, 3)
    point = hit.get("_geo")
    if not query.has_point or not isinstance(point, dict):
        return None
    try:
        lat, lng = float(point["lat"]), float(point["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    return round(haversine_km(query.lat, query.lng, lat, lng), 3)


def _highlight(hit: dict) -> dict[str, str]:
    formatted = hit.get("_formatted") or {}
    for field in TITLE_FIELDS:
        value = formatted.get(field) or hit.get(field)
        if isinstance(value, str) and value:
            return {"title": highlight_html(value)}
    return {}


def result(response: dict, query: SearchQuery) -> SearchResult:
    """SearchResult(backend="meilisearch") from a search response (page/hitsPerPage mode)."""
    hits = [
        SearchHit(
            id=int(hit["id"]),
            distance_km=_distance_km(hit, query),
            highlight=_highlight(hit),
            matches=matches(hit, query.text),
        )
        for hit in response.get("hits", [])
    ]
    total = response.get("totalHits", response.get("estimatedTotalHits", len(hits)))
    distribution = response.get("facetDistribution") or {}
    facets = {name: dict(distribution.get(name) or {}) for name in (*FACETS, *query.facets)}
    return SearchResult(hits=hits, total=int(total), facets=facets, backend="meilisearch")
