"""The generic search document (documents.py) in the shape the Meilisearch index expects.

Per-language title and description fields let `localizedAttributes` give each its locale;
`compound_terms` carries the catalogue parts of Finnish/Swedish compounds, which Meilisearch
does not split ("kattotiili" → "tiili", "katto"). Everything is validated here, because one
bad document fails the whole batch task.
"""

import logging
import math

from .. import text
from .settings import FILTER_FIELDS, LANGUAGES

log = logging.getLogger(__name__)

# Highlight markers (query.py). Private-use code points: removed from indexed titles so
# a marker in a search response can only come from the engine.
MARK_PRE, MARK_POST = "\ue000", "\ue001"
MAX_ID = 2**53  # integer ids stay exact in JSON numbers and Meilisearch's f64 facets
DISPLAY_FIELDS = ("site_name", "quantity_available", "unit", "available_from", "available_until")


class InvalidDocument(ValueError):
    """A document that Meilisearch would reject (and with it every document in the batch)."""


def _no_markers(value: str) -> str:
    return value.replace(MARK_PRE, "").replace(MARK_POST, "")


def _document_id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_ID:
        raise InvalidDocument(f"document id must be a non-negative integer, got {value!r}")
    return value


def geo(value) -> dict | None:
    """`{"lat", "lng"}` as floats when both are finite and in range; otherwise None (null is
    accepted by Meilisearch, a bad value fails the task). A dropped point is logged."""
    if not value:
        return None
    lat, lng = value.get("lat"), value.get("lng")
    try:
        if isinstance(lat, bool) or isinstance(lng, bool):
            raise TypeError
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        log.warning("dropping _geo %r: not numbers", value)
        return None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        log.warning("dropping _geo %r: out of range", value)
        return None
    return {"lat": lat, "lng": lng}


def language(doc: dict) -> str:
    """fi, sv or en from the listing's language ("sv-FI" → "sv"); Finnish when unknown."""
    lang = str(doc.get("language") or "").lower()[:2]
    return lang if lang in LANGUAGES else "fi"


def meili_document(doc: dict) -> dict:
    """One Meilisearch document from a documents.document() dict."""
    lang = language(doc)
    names = list(doc.get("category_names") or [])
    names += [""] * (len(LANGUAGES) - len(names))
    title, description = _no_markers(doc.get("title") or ""), doc.get("description") or ""
    out = {
        "id": _document_id(doc.get("id")),
        "language": lang,
        f"title_{lang}": title,
        f"description_{lang}": description,
        **{f"category_name_{code}": name for code, name in zip(LANGUAGES, names, strict=False)},
        "category_synonyms": list(doc.get("category_synonyms") or []),
        "compound_terms": text.derived_terms(" ".join([title, description, *names])),
        **{field: doc.get(field) for field in FILTER_FIELDS},
        "created_ts": int(doc["created_ts"]),
        "_geo": geo(doc.get("_geo")),
        **{field: doc.get(field) for field in DISPLAY_FIELDS},
    }
    for field in ("site_id", "price_cents", "available_from_day", "available_until_day"):
        if out[field] is not None:
            out[field] = int(out[field])
    # Staged release: a document without the field (made before it existed) is public.
    out["public_from"] = int(doc.get("public_from") or 0)
    return out
