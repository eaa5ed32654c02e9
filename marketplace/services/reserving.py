"""The step that takes one reservation inside the caller's write transaction: the rules of
`reservation_create` (services/reservations.py), also used by a wanted post's bundle reserve
(services/wanted_reserve.py), which takes several in one transaction, all or nothing.

Never over-reserved: the listing's counter changes only through a conditional UPDATE (on
PostgreSQL it re-checks its WHERE clause on the row it waited for; on SQLite the transaction
began with BEGIN IMMEDIATE), and a CHECK constraint backs it up.

Few statements (issue 16: an API reservation is 7 with the token lookup, 8 when the token's last
use is written): `locked_for_reserving` locks the user's row (PostgreSQL, where the request's read
transaction is continued) and reads the listing row-locked, with the user's open reservations;
the UPDATE returns the new counters instead of a re-read; the site is locked only when a pickup
time takes a slot; the reservation is one INSERT ... RETURNING id, the event one INSERT and its
outbox messages another. The statements are built once (below) and run on the tables, outside
the ORM's unit of work.
"""

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock, formatting
from ..auth import ensure_confirmed
from ..errors import Forbidden, InsufficientQuantity, LimitReached, ListingNotAvailable
from ..labels import UNITS, label
from ..models import OPEN, Listing, ListingStatus, Reservation, ReservationStatus, Site, User
from ..models.types import to_milli
from ..ops import outcomes
from . import checkout, pickups
from . import validation as v
from .holds import available_sql
from .listing_log import record_event

S = ReservationStatus
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a site gate


# The reserving statements are built once, with bound parameters: a statement object keeps its
# cache key, so a reservation spends no time building SQL (issue 16). The counter's UPDATE runs on
# the table, outside the ORM: it returns the values the listing object is then given.
_LOCK_USER = (
    sa.select(User.id).where(User.id == sa.bindparam("user_id")).with_for_update(key_share=True)
)
_LOCKED_LISTING = (
    sa.select(
        Listing,
        sa.select(sa.func.count())
        .where(Reservation.user_id == sa.bindparam("user_id"), Reservation.status.in_(OPEN))
        .scalar_subquery(),
    )
    .options(so.joinedload(Listing.organization, innerjoin=True))
    .where(Listing.id == sa.bindparam("listing_id"))
    .with_for_update(of=Listing, key_share=True)
    .execution_options(populate_existing=True)
)
_RESERVATION = Reservation.__table__
_INSERT_RESERVATION = _RESERVATION.insert().returning(_RESERVATION.c.id)
_LISTING = Listing.__table__
_MILLI = sa.bindparam("milli", type_=sa.BigInteger)
_TAKE = (
    sa.update(_LISTING)
    .where(
        _LISTING.c.id == sa.bindparam("listing_id"),
        _LISTING.c.status == ListingStatus.AVAILABLE,
        available_sql() >= _MILLI,  # what is left, as holds.py defines it
    )
    .values(
        quantity_reserved=_LISTING.c.quantity_reserved + _MILLI,
        status=sa.bindparam("new_status", type_=_LISTING.c.status.type),
        updated_at=sa.bindparam("now", type_=_LISTING.c.updated_at.type),
    )
    .returning(
        _LISTING.c.quantity_reserved,
        _LISTING.c.quantity_collected,
        _LISTING.c.status,
        _LISTING.c.updated_at,
    )
)


def locked_for_reserving(
    session, *, user_id: int, listing_id: int
) -> tuple[User | None, Listing | None, int]:
    """The user and the listing, row-locked (PostgreSQL; on SQLite the write transaction holds
    the database's lock), and how many open reservations the user holds.

    The user's row is locked first (FOR NO KEY UPDATE): every reservation of a user is taken
    under that lock, so the count, read in the next statement, is exact (on PostgreSQL each
    statement sees what was committed before it began). It rides on the listing's read, which
    overwrites what the session held, to save a round trip."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE locked everything
        if connection.execute(_LOCK_USER, {"user_id": user_id}).first() is None:
            return None, None, 0
    # The lock makes the count exact. The user's columns are taken as this request read them a
    # moment ago (the token's owner; a SQLite transaction reads them again): a reservation that
    # commits after a concurrent change to them is one that came just before it.
    user = session.get(User, user_id)
    if user is None:
        return None, None, 0
    row = session.execute(
        _LOCKED_LISTING, {"user_id": user_id, "listing_id": listing_id}
    ).one_or_none()
    return (user, row[0], row[1]) if row else (user, None, 0)


def reserve(
    session,
    *,
    user: User,
    listing: Listing,
    quantity,
    pickup_at: datetime | None = None,
    message: str = "",
    payment_kind=None,
    held: int | None = None,
) -> Reservation:
    """Hold `quantity` of a listing the user may see, with its checks (own organisation,
    confirmed account, reservable, open-reservation limit, pickup slot); raises a domain error.
    `held`: the user's open reservations as `locked_for_reserving` counted them (else counted
    here, under the user's lock)."""
    if listing.can_manage(user):
        raise Forbidden(_l("You cannot reserve your own organisation's material."))
    ensure_confirmed(user)
    if not listing.is_reservable(clock.today()):
        raise ListingNotAvailable()
    _check_open_limit(_open_held(session, user) if held is None else held)
    if pickup_at is not None:
        # In UTC as stored: the response is built from these objects, not read back.
        pickup_at = pickup_at.astimezone(UTC)
        # Lock the site row: pickup-slot capacity is then checked and taken atomically. NO KEY
        # UPDATE (key_share) still lets other transactions insert rows that reference the site.
        # A hold without a time takes no slot, so it leaves the site alone.
        session.execute(
            sa.select(Site.id).where(Site.id == listing.site_id).with_for_update(key_share=True)
        )
    pickups.check_pickup(listing, pickup_at)
    if payment_kind == "deposit":
        _check_deposit_window(pickup_at)
    _take(session, listing, quantity)
    if payment_kind:
        status, expires_at = S.PENDING_PAYMENT, checkout.checkout_hold_end()
    else:
        status, expires_at = S.CONFIRMED, pickups.expiry_for(listing, pickup_at)
    # The new reservation is handed the objects it refers to, and has no payments yet, so that
    # presenting it reads nothing.
    reservation = _insert_reservation(
        session,
        {
            "listing_id": listing.id,
            "user_id": user.id,
            "quantity": quantity,
            "status": status,
            "pickup_at": pickup_at,
            "message": message,
            "code": _new_code(),
            "expires_at": expires_at,
        },
    )
    for name, value in (("listing", listing), ("user", user), ("payments", [])):
        so.attributes.set_committed_value(reservation, name, value)
    # A paid reservation is announced once the payment arrives.
    announced = status == S.CONFIRMED
    record_event(
        session,
        listing,
        user,
        "reservation.created",
        {"reservation_id": reservation.id, "quantity": str(quantity), "status": status.value},
        also=[("reservation.created", {"reservation_id": reservation.id})] if announced else [],
    )
    return reservation


def _insert_reservation(session, values: dict) -> Reservation:
    """One INSERT on the table, outside the ORM's unit of work, that returns the new id; the
    object is then made from the values written, every column given, and added to the session
    as a persistent, unchanged object: presenting it reads nothing back."""
    now = clock.now()
    values = {
        **values,
        "cancel_reason": "",
        "cancelled_by_id": None,
        "reminder_sent_at": None,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
    }
    new_id = session.connection().execute(_INSERT_RESERVATION, values).scalar_one()
    reservation = Reservation(id=new_id, **values)
    so.make_transient_to_detached(reservation)  # as if loaded: nothing for a flush to write
    session.add(reservation)
    outcomes.note_created(session)  # no flush sees it: the metrics are told
    return reservation


def _take(session, listing: Listing, quantity) -> None:
    """The conditional UPDATE of the reserved counter, writing the status the lot then has (it
    runs out: reserved) in the same statement; it returns what it wrote, so the listing object is
    brought up to date without reading it again."""
    taken = (
        session.connection()
        .execute(
            _TAKE,
            {
                "listing_id": listing.id,
                "milli": to_milli(quantity),
                "new_status": listing.status_after_taking(quantity),
                "now": clock.now(),
            },
        )
        .one_or_none()
    )
    if taken is None:
        session.refresh(listing)
        if listing.status not in (ListingStatus.AVAILABLE, ListingStatus.RESERVED):
            raise ListingNotAvailable()
        left = _left_message(listing)
        raise InsufficientQuantity(
            left, fields={"quantity": left}, available=float(listing.quantity_available)
        )
    # The listing is given what the UPDATE wrote, as loaded: the session has nothing to flush.
    for name, value in taken._mapping.items():
        so.attributes.set_committed_value(listing, name, value)


def _left_message(listing: Listing) -> str:
    left = listing.quantity_available
    return str(
        _l(
            "Only %(n)s %(unit)s left.",
            n=formatting.number(left),
            unit=label(UNITS, listing.unit),
        )
    )


def _open_held(session, user: User) -> int:
    """The user's open reservations, counted under the user's row lock (PostgreSQL) so that two
    simultaneous requests cannot both pass the limit."""
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    return session.scalar(
        sa.select(sa.func.count()).where(
            Reservation.user_id == user.id, Reservation.status.in_(OPEN)
        )
    )


def _check_open_limit(held: int) -> None:
    """At most MAX_OPEN_RESERVATIONS open at once."""
    limit = current_app.config["MAX_OPEN_RESERVATIONS"]
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
