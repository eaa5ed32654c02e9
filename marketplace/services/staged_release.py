"""Staged release and still-installed listings, steps inside a listing use case's transaction:
reading `public_from`, announcing the moment a listing opens to everyone (saved-search alerts
fire then for residents), and telling reservers when a still-installed lot's date moves. The
visibility rule itself lives in marketplace/models/listings.py (`Listing.visible_to`)."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import notifications, outbox
from ..clock import HELSINKI
from ..database import write_transaction
from ..extensions import db
from ..models import OPEN, Listing, Reservation
from . import validation as v

MOVED = "listing.available_from_moved"


def parse_public_from(value, available_until: date) -> datetime | None:
    """An aware datetime (a naive one is Helsinki time) not after the end of availability, or
    None when not given; raises ValidationFailed."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            v.Errors(public_from=_l("Enter a date and time.")).raise_if_any()
    if not isinstance(value, datetime):
        v.Errors(public_from=_l("Enter a date and time.")).raise_if_any()
    if value.tzinfo is None:
        value = value.replace(tzinfo=HELSINKI)
    last = datetime.combine(available_until, datetime.max.time(), tzinfo=HELSINKI)
    if value > last or value.year < 2000:
        v.Errors(public_from=_l("Open it to everyone before its availability ends.")).raise_if_any()
    return value


def announce_release(session, listing: Listing, now: datetime, *, moved: bool = False) -> None:
    """When the listing opens to everyone later, announce it again then ("listing.indexed",
    delayed): a resident's saved search fires at `public_from`, not before (professionals
    hear when it is indexed; an alert goes once per search and listing). A moved `public_from`
    is announced even when it is now."""
    delay = listing.public_from - now
    if delay <= timedelta(0) and not moved:
        return
    outbox.enqueue(
        session,
        "listing.indexed",
        {"listing_id": listing.id},
        delay=delay if delay > timedelta(0) else None,
    )


def tell_moved_pickups(session, listing: Listing) -> None:
    """The builder moved a still-installed lot's date later: the open reservations whose pickup
    (or hold without a time) falls before it are told through the outbox."""
    start = datetime.combine(listing.available_from, datetime.min.time(), tzinfo=HELSINKI)
    ids = list(
        session.scalars(
            sa.select(Reservation.id).where(
                Reservation.listing_id == listing.id,
                Reservation.status.in_(OPEN),
                sa.or_(Reservation.pickup_at.is_(None), Reservation.pickup_at < start),
            )
        )
    )
    if ids:
        payload = {
            "listing_id": listing.id,
            "available_from": listing.available_from.isoformat(),
            "reservation_ids": ids,
        }
        outbox.enqueue(session, "listing.available_from_moved", payload)


def notify_available_from_moved(message: outbox.Message) -> None:
    """Outbox handler: tell each reserver the new date (idempotent per message and user)."""
    listing = db.session.get(Listing, message.payload["listing_id"])
    if listing is None:
        return
    with write_transaction() as session:
        for reservation in session.scalars(
            sa.select(Reservation).where(Reservation.id.in_(message.payload["reservation_ids"]))
        ):
            notifications.add(
                session,
                user_id=reservation.user_id,
                kind=MOVED,
                data={
                    "listing_id": listing.id,
                    "reservation_id": reservation.id,
                    "title": listing.title,
                    "available_from": message.payload["available_from"],
                },
                source_key=f"outbox:{message.id}",
            )
