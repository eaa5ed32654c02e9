"""A Nominatim-compatible geocoder:
`GET {base_url}/search?q=…&format=jsonv2&limit=5&countrycodes=fi&accept-language=fi`.

Its answer is a JSON array of places, each with `lat` and `lon` as decimal strings, a
`display_name` and the data's `licence` (OpenStreetMap's attribution on Nominatim itself), which
is shown with the result. Every way the request can fail is a `LookupFailed` whose `code` says
why; the page then offers the map and the coordinate fields instead.
"""

import urllib.parse
import urllib.request

from ..http_lookup import LookupFailed, NotFound, get_json
from .base import FINLAND, Place

MAX_BYTES = 200_000  # five results are a few kB


def search(
    text: str, *, base_url: str, timeout: float, user_agent: str, language: str, limit: int
) -> list[Place]:
    """The geocoder's places for `text` in Finland, best first; [] when it finds none."""
    params = {
        "q": text,
        "format": "jsonv2",
        "limit": str(limit),
        "countrycodes": "fi",
        "accept-language": language,
    }
    url = f"{base_url}/search?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent, "Accept": "application/json"}
    )
    try:  # the URL is the operator's setting (GEOCODER_URL); the user's text is only its query
        data = get_json(request, timeout=timeout, max_bytes=MAX_BYTES)
    except NotFound:
        raise LookupFailed("http_error", "HTTP 404") from None
    return parse(data, source=urllib.parse.urlsplit(base_url).hostname or base_url)[:limit]


def parse(data, *, source: str) -> list[Place]:
    """Places from a /search answer; a result outside Finland is left out (countrycodes=fi
    already asks for none), anything not shaped like the documented answer is malformed."""
    if not isinstance(data, list):
        raise LookupFailed("malformed")
    places = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("display_name"), str):
            raise LookupFailed("malformed")
        try:
            lat, lng = float(entry["lat"]), float(entry["lon"])
        except (KeyError, TypeError, ValueError):
            raise LookupFailed("malformed") from None
        if not FINLAND.contains(lat, lng):
            continue
        licence = entry.get("licence")
        places.append(
            Place(
                label=entry["display_name"][:200],
                lat=lat,
                lng=lng,
                source=licence[:200] if isinstance(licence, str) and licence else source,
            )
        )
    return places
