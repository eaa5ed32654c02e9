"""Links that open a site's location elsewhere: a map, directions, the phone's own map app.

Built only from the coordinates the builder saved for the site (never from a geocoded address),
so the links point where the site form's map marker does.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

OSM = "https://www.openstreetmap.org/"


@dataclass(frozen=True)
class MapLinks:
    view: str  # OpenStreetMap with a marker on the site: works in any browser
    directions: str  # OpenStreetMap's route planner with the site as the destination
    geo: str  # geo: URI (RFC 5870); phones open their map app with it


def _coordinate(value: float) -> str:
    # Six decimals are about 10 cm; a fixed point form, never the locale's decimal comma.
    return f"{float(value):.6f}"


def site_links(lat: float, lng: float, label: str = "") -> MapLinks:
    """Map, directions and geo: links for a point (a site's saved coordinates)."""
    y, x = _coordinate(lat), _coordinate(lng)
    view = f"{OSM}?{urlencode({'mlat': y, 'mlon': x})}#map=17/{y}/{x}"
    directions = f"{OSM}directions?{urlencode({'route': f';{y},{x}'})}"
    geo = f"geo:{y},{x}" + (f"?q={y},{x}({quote(label, safe='')})" if label else "")
    return MapLinks(view=view, directions=directions, geo=geo)
