"""Finding an address: the one home for "where is this street address?".

`find_address(text)` asks a Nominatim-compatible geocoder when GEOCODER_URL is set
(config.GEOCODER_ENABLED), and otherwise reads the local gazetteer that operators load from an
open address file (`flask places load FILE`). Either way a result is a point its source gives:
nothing here interpolates or estimates a position, so an address the source lacks is not found.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..formatting import locale_code
from ..http_lookup import LookupFailed
from . import gazetteer, geocoder
from .base import FINLAND, MAX_QUERY_CHARS, BadQuery, Place, search_key

MAX_RESULTS = 5

__all__ = [
    "FINLAND",
    "MAX_QUERY_CHARS",
    "MAX_RESULTS",
    "BadQuery",
    "LookupFailed",
    "Place",
    "clean_query",
    "find_address",
    "search_key",
]


def clean_query(text: str | None) -> str:
    """The text as searched (trimmed, spaces collapsed); BadQuery when it cannot be."""
    text = " ".join((text or "").split())
    if not text:
        raise BadQuery(_l("Type a street name and number first, e.g. Kutojantie 6."))
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(_l("Use at most %(n)d characters.", n=MAX_QUERY_CHARS))
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise BadQuery(_l("Remove the control characters from this text."))
    return text


def find_address(text: str | None) -> list[Place]:
    """At most MAX_RESULTS places matching a typed address such as "Kutojantie 6, Espoo".

    Raises BadQuery for text that cannot be searched and LookupFailed when the geocoder fails;
    an address the source does not hold gives an empty list."""
    text = clean_query(text)
    config = current_app.config
    if config["GEOCODER_ENABLED"]:
        return geocoder.search(
            text,
            base_url=config["GEOCODER_URL"],
            timeout=config["GEOCODER_TIMEOUT_S"],
            # Nominatim's usage policy asks for a User-Agent that names the application.
            user_agent=f"KeraMaterialExchange/1.0 (+{config['PUBLIC_BASE_URL']})",
            language=locale_code(),
            limit=MAX_RESULTS,
        )
    return gazetteer.search(text, limit=MAX_RESULTS)
