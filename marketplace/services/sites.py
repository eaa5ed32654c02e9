"""Sites use cases: a builder organisation's pickup sites."""

import re

from flask_babel import lazy_gettext as _l

from ..auth import acting_user
from ..database import write_transaction
from ..errors import Forbidden, NotFound
from ..models import WEEKDAYS, Role, Site, User
from . import validation as v

_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_opening_hours(errors: v.Errors, hours) -> dict:
    """{"mon": ["07:00", "16:00"], ...}: days may be missing (closed); opening before closing."""
    if hours in (None, ""):
        return {}
    if not isinstance(hours, dict):
        errors["opening_hours"] = _l("Give opening hours per weekday.")
        return {}
    result = {}
    for day, span in hours.items():
        if day not in WEEKDAYS:
            errors["opening_hours"] = _l("Unknown weekday %(day)s.", day=str(day)[:10])
            continue
        if span in (None, "", []):
            continue
        if isinstance(span, str):
            span = span.split("-")
        if (
            not isinstance(span, (list, tuple))
            or len(span) != 2
            or not all(isinstance(t, str) and _HOURS.match(t.strip()) for t in span)
        ):
            errors[f"opening_hours.{day}"] = _l("Use opening hours like 07:00-16:00.")
            continue
        opens, closes = span[0].strip(), span[1].strip()
        if opens >= closes:
            errors[f"opening_hours.{day}"] = _l("Opening time must be before closing time.")
            continue
        result[day] = [opens, closes]
    return result


SITE_FIELDS = (
    "name",
    "address",
    "lat",
    "lng",
    "pickup_instructions",
    "opening_hours",
    "staged_release_hours",
)
MAX_STAGED_RELEASE_HOURS = 30 * 24


def _staged_hours(errors: v.Errors, value) -> int | None:
    """Hours a new listing of the site is open to professionals only; None: the setting."""
    if value is None or value == "":
        return None
    return v.integer(errors, "staged_release_hours", value, maximum=MAX_STAGED_RELEASE_HOURS)


def _site_values(data: dict) -> dict:
    errors = v.Errors()
    values = {
        "name": v.text(errors, "name", data.get("name"), max_len=120),
        "address": v.text(errors, "address", data.get("address"), max_len=200),
        "lat": v.coordinate(errors, "lat", data.get("lat"), limit=90),
        "lng": v.coordinate(errors, "lng", data.get("lng"), limit=180),
        "pickup_instructions": v.text(
            errors,
            "pickup_instructions",
            data.get("pickup_instructions"),
            required=False,
            max_len=2000,
        ),
        "opening_hours": parse_opening_hours(errors, data.get("opening_hours")),
        "staged_release_hours": _staged_hours(errors, data.get("staged_release_hours")),
    }
    errors.raise_if_any()
    return values


def _builder(session, user_id: int) -> User:
    denied = Forbidden(_l("Only builders can manage sites."))
    return acting_user(session, user_id, Role.BUILDER, denied=denied)


def site_create(*, user_id: int, **data) -> Site:
    """Add a site to the builder's organisation."""
    values = _site_values(data)
    with write_transaction() as session:
        user = _builder(session, user_id)
        site = Site(organization_id=user.organization_id, **values)
        session.add(site)
    return site


def site_update(*, user_id: int, site_id: int, **changes) -> Site:
    """Change a site of the builder's own organisation (another organisation's is not found);
    the fields not given keep their values."""
    with write_transaction() as session:
        user = _builder(session, user_id)
        site = session.get(Site, site_id)
        if site is None or site.organization_id != user.organization_id:
            raise NotFound()
        current = {key: getattr(site, key) for key in SITE_FIELDS}
        for key, value in _site_values(current | changes).items():
            setattr(site, key, value)
    return site
