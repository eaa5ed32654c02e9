"""What Materiaalitori's offer form asks for, from a listing: the hand-off file (issue 11 item 4).

Materiaalitori (materiaalitori.fi) is the national marketplace where recyclers look for lots;
its offer form asks for the material, its waste code, the quantity and unit, the municipality,
when it is available, and whom to contact. One record per lot, as CSV (api/csvfiles.py
variants) or JSON."""

import re

from ..models import Listing

COLUMNS = (
    "material",
    "material_fi",
    "ewc_code",
    "quantity",
    "unit",
    "total_kg",
    "municipality",
    "address",
    "available_from",
    "available_until",
    "title",
    "description",
    "contact_organization",
    "contact_business_id",
    "contact_name",
    "contact_email",
    "kera_listing_id",
)
_POSTCODE_TOWN = re.compile(r"\b\d{5}\s+([^\d,]+)$")


def municipality(address: str) -> str:
    """The town after the postcode of a Finnish address ('Kutojantie 3, 02630 Espoo' → Espoo);
    Kera lies in Espoo, so Espoo when the address names none."""
    match = _POSTCODE_TOWN.search(address.strip())
    return match.group(1).strip() if match else "Espoo"


def hand_off(listing: Listing) -> dict:
    """The listing as one hand-off record, in COLUMNS order."""
    contact = listing.created_by
    remaining = listing.quantity - listing.quantity_reserved - listing.quantity_collected
    kg = listing.kg_per_unit
    return {
        "material": listing.category.name("en"),
        "material_fi": listing.category.name("fi"),
        "ewc_code": listing.category.ewc_code,
        "quantity": remaining,
        "unit": listing.unit,
        "total_kg": None if kg is None else remaining * kg,
        "municipality": municipality(listing.site.address),
        "address": listing.site.address,
        "available_from": listing.available_from.isoformat(),
        "available_until": listing.available_until.isoformat(),
        "title": listing.title,
        "description": listing.description,
        "contact_organization": listing.organization.name,
        "contact_business_id": listing.organization.business_id or "",
        "contact_name": contact.display_name if contact else "",
        "contact_email": contact.email if contact else "",
        "kera_listing_id": listing.id,
    }
