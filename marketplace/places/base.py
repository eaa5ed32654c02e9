"""What both address sources share: the result type, the errors, Finland's bounds and the key a
street name is matched on."""

import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 200  # the longest Finnish street address is far shorter


@dataclass(frozen=True)
class Bounds:
    """A latitude/longitude box in WGS84 degrees."""

    lat_min: float
    lat_max: float
    lng_min: float
    lng_max: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.lat_min <= lat <= self.lat_max and self.lng_min <= lng <= self.lng_max


# Finland with its islands: Bogskär 59.50 N to Nuorgam 70.09 N, Märket 19.13 E to 31.59 E.
FINLAND = Bounds(lat_min=59.4, lat_max=70.1, lng_min=19.0, lng_max=31.6)


@dataclass(frozen=True)
class Place:
    """An address and its coordinates (WGS84 degrees), with where they come from."""

    label: str
    lat: float
    lng: float
    source: str

    def as_json(self) -> dict:
        return {"label": self.label, "lat": self.lat, "lng": self.lng, "source": self.source}


class BadQuery(ValueError):
    """The text cannot be searched: empty, longer than MAX_QUERY_CHARS or with control chars.
    Its argument is the message for the person who typed it."""


def search_key(text: str) -> str:
    """Text as it is matched: lower case, diacritics removed, spaces collapsed
    ("Ääkkös-Katu  5" -> "aakkos-katu 5"), so "kutojantie" finds "Kutojantie"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())
