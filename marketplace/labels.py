"""Translatable names of codes (units, conditions, statuses, events), for pages and messages.
The codes themselves are defined once, in the models; these tables only name them."""
from flask_babel import lazy_gettext as _l

from .models import UNITS as UNIT_CODES
from .models import Condition

_UNIT_NAMES = {"pcs": _l("pcs"), "m2": "m²", "m3": "m³"}    # the others are written as coded
UNITS = {unit: _UNIT_NAMES.get(unit, unit) for unit in UNIT_CODES}
CONDITIONS = {Condition.NEW: _l("New"), Condition.LIKE_NEW: _l("Like new"), Condition.GOOD: _l("Good"),
              Condition.FAIR: _l("Fair"), Condition.FOR_PARTS: _l("For parts")}
LISTING_STATUSES = {"available": _l("Available"), "reserved": _l("Fully reserved"), "collected": _l("Collected"),
                    "expired": _l("Expired"), "withdrawn": _l("Withdrawn")}
RESERVATION_STATUSES = {"pending_payment": _l("Awaiting payment"), "confirmed": _l("Confirmed"),
                        "collected": _l("Collected"), "cancelled": _l("Cancelled"), "expired": _l("Expired"),
                        "no_show": _l("Not collected")}
EVENTS = {
    "listing.created": _l("Listed"), "listing.updated": _l("Edited"), "listing.withdrawn": _l("Withdrawn"),
    "listing.expired": _l("Expired"), "listing.photo_added": _l("Photo added"),
    "listing.photo_removed": _l("Photo removed"), "listing.hidden": _l("Hidden by the city"),
    "listing.unhidden": _l("Shown again by the city"),
    "reservation.created": _l("Reserved"), "reservation.cancelled": _l("Reservation cancelled"),
    "reservation.expired": _l("Reservation expired"), "reservation.no_show": _l("No-show"),
    "reservation.collected": _l("Handed over"), "reservation.paid": _l("Paid"),
}


def label(table: dict, code) -> str:
    """The translated name of `code` (an enum member or its value), or the code itself."""
    value = getattr(code, "value", code)
    return str(table.get(value, value))
