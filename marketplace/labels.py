"""Translatable names of codes (units, conditions, statuses, events), for pages and messages.
The codes themselves are defined once, in the models; these tables only name them."""

from flask_babel import lazy_gettext as _l

from .models import UNITS as UNIT_CODES
from .models import Condition

_UNIT_NAMES = {"pcs": _l("pcs"), "m2": "m²", "m3": "m³"}  # the others are written as coded
UNITS = {unit: _UNIT_NAMES.get(unit, unit) for unit in UNIT_CODES}
CONDITIONS = {
    Condition.NEW: _l("New"),
    Condition.LIKE_NEW: _l("Like new"),
    Condition.GOOD: _l("Good"),
    Condition.FAIR: _l("Fair"),
    Condition.FOR_PARTS: _l("For parts"),
}
LISTING_STATUSES = {
    "available": _l("Available"),
    "reserved": _l("Fully reserved"),
    "collected": _l("Collected"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
    "pending_review": _l("Waiting for the city's verification"),
}
RESERVATION_STATUSES = {
    "pending_payment": _l("Awaiting payment"),
    "confirmed": _l("Confirmed"),
    "collected": _l("Collected"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
    "no_show": _l("Not collected"),
}
EVENTS = {
    "listing.created": _l("Listed"),
    "listing.updated": _l("Edited"),
    "listing.withdrawn": _l("Withdrawn"),
    "listing.expired": _l("Expired"),
    "listing.photo_added": _l("Photo added"),
    "listing.photo_removed": _l("Photo removed"),
    "listing.hidden": _l("Hidden by the city"),
    "listing.unhidden": _l("Shown again by the city"),
    "listing.published": _l("Published: the city verified the organisation"),
    "reservation.created": _l("Reserved"),
    "reservation.cancelled": _l("Reservation cancelled"),
    "reservation.expired": _l("Reservation expired"),
    "reservation.no_show": _l("No-show"),
    "reservation.collected": _l("Handed over"),
    "reservation.paid": _l("Paid"),
    "handover.corrected": _l("Handover corrected"),
    "listing.unclaimed": _l("Nobody reserved it: the builders were told"),
    "listing.handed_on": _l("Handed on to Materiaalitori"),
}

# Why the Trade Register lookup (PRH_LOOKUP) left an organisation for staff: the code before the
# colon of Organization.verification_note; %(detail)s is what follows it.
LOOKUP_NOTES = {
    "timeout": _l("The Trade Register did not answer in time."),
    "unreachable": _l("The Trade Register could not be reached."),
    "http_error": _l("The Trade Register answered with an error (%(detail)s)."),
    "malformed": _l("The Trade Register's answer could not be read."),
    "not_found": _l("The Trade Register has no company with this business ID."),
    "inactive": _l("The company is not active in the Trade Register."),
    "name_mismatch": _l("The name differs from the Trade Register's: %(detail)s"),
}


def lookup_note(note: str) -> str:
    """The staff-readable reason stored in Organization.verification_note ("" when none)."""
    code, _sep, detail = (note or "").partition(":")
    text = LOOKUP_NOTES.get(code)
    if text is None:
        return note or ""
    return str(text) % {"detail": detail}  # a text without %(detail)s is left as it is


def label(table: dict, code) -> str:
    """The translated name of `code` (an enum member or its value), or the code itself."""
    value = getattr(code, "value", code)
    return str(table.get(value, value))
