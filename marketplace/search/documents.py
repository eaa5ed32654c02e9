"""The search document of a listing: one flat dict, the same for both backends.

Only listings anyone may find are indexed (available, something left, not hidden, window not
over); any other state means "delete from the index". Dates are also given as day numbers
(days since 1970-01-01) because Meilisearch filters compare numbers, not dates.
"""

from datetime import date

from .. import clock
from ..locales import LOCALES
from ..models import Listing


def day_number(value: date) -> int:
    return (value - date(1970, 1, 1)).days


def is_searchable(listing: Listing) -> bool:
    """True when the listing belongs in the index (the rule lives in `Listing.is_findable`)."""
    return listing.is_findable(clock.today())


def document(listing: Listing) -> dict:
    """The listing as both search backends index it."""
    category = listing.category
    names = category.names
    synonyms = sorted({s for words in category.synonyms.values() for s in words})
    return {
        "id": listing.id,
        "title": listing.title,
        "description": listing.description,
        "language": listing.language,
        "category": category.slug,
        "category_names": [names.get(code, "") for code in LOCALES],
        "category_synonyms": synonyms,
        "condition": listing.condition.value,
        "site_id": listing.site_id,
        "site_name": listing.site.name,
        "organization_id": listing.organization_id,
        "price_cents": listing.price_cents,
        "free": listing.price_cents == 0,
        "quantity_available": float(listing.quantity_available),
        "unit": listing.unit,
        "available_from": listing.available_from.isoformat(),
        "available_until": listing.available_until.isoformat(),
        "available_from_day": day_number(listing.available_from),
        "available_until_day": day_number(listing.available_until),
        "created_ts": int(listing.created_at.timestamp()),
        "public_from": int(listing.public_from.timestamp()),  # staged release (epoch seconds)
        "_geo": {"lat": listing.site.lat, "lng": listing.site.lng},
    }
