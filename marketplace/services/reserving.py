"""The step that takes one reservation inside the caller's write transaction: the rules of
`reservation_create` (services/reservations.py), also used by a wanted post's bundle reserve
(services/wanted_reserve.py), which takes several in one transaction, all or nothing.

Never over-reserved: the listing's counter changes only through a conditional UPDATE (on
PostgreSQL it re-checks its WHERE clause on the row it waited for; on SQLite the transaction
began with BEGIN IMMEDIATE), and a CHECK constraint backs it up.
"""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock, formatting, outbox
from ..auth import ensure_confirmed
from ..errors import Forbidden, InsufficientQuantity, LimitReached, ListingNotAvailable
from ..labels import UNITS, label
from ..models import OPEN, Listing, ListingStatus, Reservation, ReservationStatus, Site, User
from . import checkout, pickups
from . import validation as v
from .holds import available_sql, milli
from .listing_log import record_event

S = ReservationStatus
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a site gate


def reserve(
    session,
    *,
    user: User,
    listing: Listing,
    quantity,
    pickup_at: datetime | None = None,
    message: str = "",
    payment_kind=None,
) -> Reservation:
    """Hold `quantity` of a listing the user may see, with its checks (own organisation,
    confirmed account, reservable, open-reservation limit, pickup slot); raises a domain error."""
    if listing.can_manage(user):
        raise Forbidden(_l("You cannot reserve your own organisation's material."))
    ensure_confirmed(user)
    if not listing.is_reservable(clock.today()):
        raise ListingNotAvailable()
    _check_open_limit(session, user)
    # Lock the site row: pickup-slot capacity is then checked and taken atomically. NO KEY
    # UPDATE (key_share) still lets other transactions insert rows that reference the site.
    session.execute(
        sa.select(Site.id).where(Site.id == listing.site_id).with_for_update(key_share=True)
    )
    pickups.check_pickup(listing, pickup_at)
    if payment_kind == "deposit":
        _check_deposit_window(pickup_at)
    taken = session.execute(
        sa.update(Listing)
        .where(
            Listing.id == listing.id,
            Listing.status == ListingStatus.AVAILABLE,
            available_sql() >= milli(quantity),
        )
        .values(
            quantity_reserved=Listing.quantity_reserved + milli(quantity), updated_at=clock.now()
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(listing)
    if taken.rowcount != 1:
        if listing.status not in (ListingStatus.AVAILABLE, ListingStatus.RESERVED):
            raise ListingNotAvailable()
        left = _left_message(listing)
        raise InsufficientQuantity(
            left, fields={"quantity": left}, available=float(listing.quantity_available)
        )
    listing.refresh_status()
    if payment_kind:
        status, expires_at = S.PENDING_PAYMENT, checkout.checkout_hold_end()
    else:
        status, expires_at = S.CONFIRMED, pickups.expiry_for(listing, pickup_at)
    reservation = Reservation(
        listing_id=listing.id,
        user_id=user.id,
        quantity=quantity,
        status=status,
        pickup_at=pickup_at,
        message=message,
        code=_new_code(),
        expires_at=expires_at,
    )
    session.add(reservation)
    session.flush()
    record_event(
        session,
        listing,
        user,
        "reservation.created",
        {"reservation_id": reservation.id, "quantity": str(quantity), "status": status.value},
    )
    if status == S.CONFIRMED:  # a paid reservation is announced once the payment arrives
        outbox.enqueue(session, "reservation.created", {"reservation_id": reservation.id})
    return reservation


def _left_message(listing: Listing) -> str:
    left = listing.quantity_available
    return str(
        _l(
            "Only %(n)s %(unit)s left.",
            n=formatting.number(left),
            unit=label(UNITS, listing.unit),
        )
    )


def _check_open_limit(session, user: User) -> None:
    """At most MAX_OPEN_RESERVATIONS open at once; the user's row is locked (PostgreSQL) so that
    two simultaneous requests cannot both pass the count."""
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    limit = current_app.config["MAX_OPEN_RESERVATIONS"]
    held = session.scalar(
        sa.select(sa.func.count()).where(
            Reservation.user_id == user.id, Reservation.status.in_(OPEN)
        )
    )
    if held >= limit:
        raise LimitReached(
            _l("You already hold %(n)d open reservations. Collect or cancel one first.", n=limit)
        )


def _check_deposit_window(pickup_at: datetime | None) -> None:
    """A deposit is a card hold, which lasts about 7 days: the pickup must be sooner."""
    days = current_app.config["DEPOSIT_MAX_DAYS"]
    if pickup_at is None or pickup_at > clock.now() + timedelta(days=days):
        v.Errors(
            pickup_at=_l(
                "This lot has a no-show deposit: choose a pickup time within %(n)d days.", n=days
            )
        ).raise_if_any()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
