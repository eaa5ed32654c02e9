"""Turn query-string parameters (API and the search page) into a SearchQuery, or say which
parameter is wrong. Shared by /api/v1/listings and the HTML search page."""

import re
from datetime import date

from flask_babel import gettext as _

from ..models import Condition
from .query import MAX_PER_PAGE, SORTS, SearchQuery

MAX_TEXT = 200
MAX_VALUES = 30  # repeated category/condition values
MAX_RADIUS_KM = 500
_DIGITS = re.compile(r"[0-9]{1,9}")

PARAMETERS = {
    "q": "Free text; typo tolerant; fi/sv/en synonyms; the last word is a prefix",
    "category": "Category slug; repeatable (OR)",
    "condition": f"{', '.join(Condition)}; repeatable (OR)",
    "site_id": "Integer site id",
    "free": "true = only free listings",
    "available_on": "YYYY-MM-DD: listings whose availability window contains this date",
    "lat": "Latitude of the point for radius and distance (WGS84)",
    "lng": "Longitude of the point for radius and distance (WGS84)",
    "radius_km": "Only listings within this many km of lat,lng",
    "bbox": "south,west,north,east: only listings inside this box (map view)",
    "sort": "relevance (default with q), newest (default without), distance (needs lat,lng), price",
    "page": "1-based page number",
    "per_page": f"Results per page, default 20, at most {MAX_PER_PAGE}",
}


class InvalidParameter(ValueError):
    """A query parameter that cannot be understood; `name` says which."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


def _float(args, name, low, high):
    raw = args.get(name, "").strip()
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(name, _("Enter a number.")) from None
    if value != value or not low <= value <= high:
        raise InvalidParameter(
            name, _("Enter a number from %(low)s to %(high)s.", low=low, high=high)
        )
    return value


def _int(args, name, low, high, default):
    raw = args.get(name, "").strip()
    if raw == "":
        return default
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidParameter(
            name, _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
        )
    return int(raw)


def from_args(args, *, valid_categories=None) -> SearchQuery:
    """Parse request.args (a MultiDict). Unknown slugs simply match nothing, as filters do."""
    # Leading spaces go; a trailing space stays: it tells the engines that the last word is
    # complete (not a prefix), as in Meilisearch.
    text = args.get("q", "").lstrip()
    text = text if text.strip() else ""
    if len(text) > MAX_TEXT or "\x00" in text:
        raise InvalidParameter("q", _("Use at most %(n)d characters.", n=MAX_TEXT))
    categories = tuple(dict.fromkeys(c.strip() for c in args.getlist("category") if c.strip()))
    conditions = tuple(dict.fromkeys(c.strip() for c in args.getlist("condition") if c.strip()))
    if len(categories) > MAX_VALUES or len(conditions) > MAX_VALUES:
        raise InvalidParameter("category", _("Too many values."))
    allowed = {c.value for c in Condition}
    bad = [c for c in conditions if c not in allowed]
    if bad:
        raise InvalidParameter(
            "condition", _("Use one of: %(values)s.", values=", ".join(sorted(allowed)))
        )
    if any(len(c) > 40 or "\x00" in c for c in categories):
        raise InvalidParameter("category", _("Unknown category."))
    site_raw = args.get("site_id", "").strip()
    if site_raw and not _DIGITS.fullmatch(site_raw):
        raise InvalidParameter("site_id", _("Enter a whole number."))
    free_raw = args.get("free", "").strip().lower()
    if free_raw not in ("", "true", "false", "1", "0"):
        raise InvalidParameter("free", _("Use true or false."))
    available_raw = args.get("available_on", "").strip()
    try:
        available_on = date.fromisoformat(available_raw) if available_raw else None
    except ValueError:
        raise InvalidParameter("available_on", _("Enter a date as YYYY-MM-DD.")) from None
    lat, lng = _float(args, "lat", -90, 90), _float(args, "lng", -180, 180)
    radius = _float(args, "radius_km", 0.001, MAX_RADIUS_KM)
    if (lat is None) != (lng is None):
        raise InvalidParameter("lat" if lat is None else "lng", _("Give both lat and lng."))
    if radius is not None and lat is None:
        raise InvalidParameter("radius_km", _("A radius needs lat and lng."))
    bbox = _bbox(args.get("bbox", "").strip())
    sort = args.get("sort", "").strip()
    if sort and sort not in SORTS:
        raise InvalidParameter("sort", _("Use one of: %(values)s.", values=", ".join(SORTS)))
    if sort == "distance" and lat is None:
        raise InvalidParameter("sort", _("Sorting by distance needs lat and lng."))
    if sort == "relevance" and not text:
        sort = ""
    return SearchQuery(
        text=text,
        categories=categories,
        conditions=conditions,
        site_id=int(site_raw) if site_raw else None,
        free_only=free_raw in ("true", "1"),
        available_on=available_on,
        lat=lat,
        lng=lng,
        radius_km=radius,
        bbox=bbox,
        sort=sort,
        page=_int(args, "page", 1, 10_000, 1),
        per_page=_int(args, "per_page", 1, MAX_PER_PAGE, 20),
    )


def _bbox(raw: str):
    if not raw:
        return None
    parts = raw.split(",")
    try:
        south, west, north, east = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox", _("Use south,west,north,east in decimal degrees.")) from None
    if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise InvalidParameter("bbox", _("Use south,west,north,east in decimal degrees."))
    return south, west, north, east
