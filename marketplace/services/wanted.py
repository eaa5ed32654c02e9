"""Wanted posts (demand): post, edit and close what you need. Any confirmed account may post;
a new post is announced through the outbox ("wanted.created") so matching organisations hear."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import clock, outbox
from ..auth import ensure_confirmed
from ..database import write_transaction
from ..errors import Forbidden, InvalidTransition, NotFound
from ..models import UNITS, Category, Notification, Role, User, WantedPost, WantedStatus
from ..models.wanted import KERA_RADIUS_KM
from . import validation as v

MAX_RADIUS_KM = Decimal(200)  # the whole capital region and then some
EDITABLE = ("open", "fulfilled")
FIELDS = (
    "title",
    "description",
    "category",
    "quantity",
    "unit",
    "needed_from",
    "needed_by",
    "lat",
    "lng",
    "radius_km",
    "max_price_cents",
)


def _category(session, errors: v.Errors, slug) -> str | None:
    if slug in (None, ""):
        return None
    if not isinstance(slug, str) or session.get(Category, slug) is None:
        errors["category"] = _l("Choose a material from the list.")
        return None
    return slug


def _point(errors: v.Errors, data: dict) -> tuple[float | None, float | None]:
    lat, lng = data.get("lat"), data.get("lng")
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, "") or lng in (None, ""):
        errors["lat" if lat in (None, "") else "lng"] = _l("Give both coordinates, or neither.")
        return None, None
    return (
        v.coordinate(errors, "lat", lat, limit=90),
        v.coordinate(errors, "lng", lng, limit=180),
    )


def _validated(session, data: dict) -> dict:
    """Every field checked, with the window rules: needed_by not in the past, not before
    needed_from. Raises ValidationFailed (422) naming each wrong field."""
    errors = v.Errors()
    values = {
        "title": v.text(errors, "title", data.get("title"), min_len=3, max_len=140),
        "description": v.text(
            errors, "description", data.get("description"), required=False, max_len=5000
        ),
        "category_slug": _category(session, errors, data.get("category")),
        "quantity": v.decimal(errors, "quantity", data.get("quantity")),
        "needed_from": v.iso_date(errors, "needed_from", data.get("needed_from")),
        "needed_by": v.iso_date(errors, "needed_by", data.get("needed_by")),
        "max_price_cents": None,
    }
    unit = data.get("unit")
    if unit not in UNITS:
        errors["unit"] = _l("Choose a unit from the list.")
    values["unit"] = unit
    values["lat"], values["lng"] = _point(errors, data)
    radius = data.get("radius_km")
    values["radius_km"] = (
        KERA_RADIUS_KM
        if radius in (None, "")
        else v.decimal(errors, "radius_km", radius, maximum=MAX_RADIUS_KM)
    )
    if data.get("max_price_cents") not in (None, ""):
        values["max_price_cents"] = v.integer(
            errors, "max_price_cents", data["max_price_cents"], maximum=v.MAX_PRICE_CENTS
        )
    needed_from, needed_by = values["needed_from"], values["needed_by"]
    if needed_by is None and "needed_by" not in errors:
        errors["needed_by"] = _l("This field is required.")
    elif isinstance(needed_by, date) and needed_by < clock.today():
        errors["needed_by"] = _l("The date cannot be in the past.")
    elif isinstance(needed_from, date) and isinstance(needed_by, date) and needed_by < needed_from:
        errors["needed_by"] = _l("The end of the window cannot be before its start.")
    errors.raise_if_any()
    return values


def _poster(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound()
    ensure_confirmed(user)
    return user


def _owned(session, user_id: int, wanted_id: int) -> WantedPost:
    wanted = session.get(WantedPost, wanted_id)
    if wanted is None:
        raise NotFound()
    if wanted.owner_id != user_id:
        raise Forbidden()
    return wanted


def current_values(wanted: WantedPost) -> dict:
    """The post's fields as the services take them (for PATCH: merged with the changes)."""
    return {
        "title": wanted.title,
        "description": wanted.description,
        "category": wanted.category_slug,
        "quantity": wanted.quantity,
        "unit": wanted.unit,
        "needed_from": wanted.needed_from,
        "needed_by": wanted.needed_by,
        "lat": wanted.lat,
        "lng": wanted.lng,
        "radius_km": wanted.radius_km,
        "max_price_cents": wanted.max_price_cents,
    }


def wanted_create(*, user_id: int, **data) -> WantedPost:
    """Post what you need; organisations whose available listings match are told (outbox)."""
    with write_transaction() as session:
        user = _poster(session, user_id)
        values = _validated(session, data)
        organization_id = user.organization_id if user.role == Role.BUILDER else None
        wanted = WantedPost(owner_id=user.id, organization_id=organization_id, **values)
        session.add(wanted)
        session.flush()
        outbox.enqueue(session, "wanted.created", {"wanted_id": wanted.id})
    return wanted


def wanted_update(*, user_id: int, wanted_id: int, **changes) -> WantedPost:
    """Edit an open (or fulfilled) post of your own; the quantity may fall to what is covered."""
    with write_transaction() as session:
        _poster(session, user_id)
        wanted = _owned(session, user_id, wanted_id)
        if wanted.status not in EDITABLE:
            raise InvalidTransition(_l("A closed or expired wanted post cannot be edited."))
        values = _validated(session, current_values(wanted) | changes)
        for key, value in values.items():
            setattr(wanted, key, value)
        wanted.refresh_status()
    return wanted


def wanted_close(*, user_id: int, wanted_id: int) -> WantedPost:
    """Close your post (found it, or no longer needed); closing twice changes nothing."""
    with write_transaction() as session:
        wanted = _owned(session, user_id, wanted_id)
        if wanted.status != WantedStatus.EXPIRED:
            wanted.status = WantedStatus.CLOSED
    return wanted


def close_and_erase(session, user_id: int) -> int:
    """Account deletion (services/erasure.py): the person's posts are closed and their text
    erased; quantities, dates and material stay for the city's demand figures."""
    posts = list(session.scalars(sa.select(WantedPost).where(WantedPost.owner_id == user_id)))
    for wanted in posts:
        if wanted.status in (WantedStatus.OPEN, WantedStatus.FULFILLED):
            wanted.status = WantedStatus.CLOSED
        wanted.title, wanted.description = "", ""
        wanted.lat = wanted.lng = None
    # The builders' alerts quote the post's title: keep the alert, drop the words.
    ids = {wanted.id for wanted in posts}
    for note in session.scalars(
        sa.select(Notification).where(Notification.kind == "wanted.listing_matched")
    ):
        if note.data.get("wanted_id") in ids:
            note.data = {**note.data, "wanted_title": ""}
    return len(posts)
