"""Reservation holds on a listing's quantity, the building blocks of the reservation use cases:
steps inside the caller's transaction (they take its `session` and never commit).

Never over-reserved: the listing's counters change only through conditional UPDATEs (on
PostgreSQL the UPDATE re-checks its WHERE clause on the row it waited for), and a CHECK
constraint backs them up.
"""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import clock, outbox
from ..errors import InvalidTransition
from ..labels import RESERVATION_STATUSES, label
from ..models import OPEN, Listing, Reservation, ReservationStatus, User
from ..models.types import to_milli
from .listing_log import record_event
from .pickups import expiry_for
from .wanted_cover import uncover

S = ReservationStatus


def available_sql():
    """What is left to reserve, as a SQL expression."""
    return Listing.quantity - Listing.quantity_reserved - Listing.quantity_collected


def milli(value: Decimal):
    """A quantity as the bound integer (thousandths) the counters store."""
    return sa.bindparam(None, to_milli(value), type_=sa.BigInteger)


def release(session, reservation: Reservation, collected: Decimal = Decimal(0)) -> Listing:
    """Take an open reservation's quantity off the listing's reserved counter (it can never go
    negative), moving `collected` of it to the collected counter; the rest is available again."""
    session.execute(
        sa.update(Listing)
        .where(
            Listing.id == reservation.listing_id,
            Listing.quantity_reserved >= milli(reservation.quantity),
        )
        .values(
            quantity_reserved=Listing.quantity_reserved - milli(reservation.quantity),
            quantity_collected=Listing.quantity_collected + milli(collected),
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    listing = session.get(Listing, reservation.listing_id)
    session.refresh(listing)
    listing.refresh_status()
    return listing


def close(
    session,
    reservation: Reservation,
    status: ReservationStatus,
    actor: User | None,
    kind: str,
    data: dict | None = None,
    payload: dict | None = None,
) -> Listing:
    """Close an open reservation (cancelled, no-show, expired): release, log, tell the outbox."""
    if not reservation.can_become(status):
        raise InvalidTransition(
            _l(
                "A reservation in state “%(status)s” cannot become “%(new)s”.",
                status=label(RESERVATION_STATUSES, reservation.status),
                new=label(RESERVATION_STATUSES, status),
            )
        )
    listing = release(session, reservation)
    uncover(session, reservation)  # a wanted post it covered needs that much again
    reservation.status = status
    reservation.closed_at = clock.now()
    record_event(session, listing, actor, kind, {"reservation_id": reservation.id, **(data or {})})
    outbox.enqueue(session, kind, {"reservation_id": reservation.id, **(payload or {})})
    return listing


def confirm_payment(session, reservation: Reservation) -> bool:
    """pending_payment → confirmed (payments); False when the reservation moved on already."""
    if reservation.status != S.PENDING_PAYMENT:
        return False
    reservation.status = S.CONFIRMED
    reservation.expires_at = expiry_for(reservation.listing, reservation.pickup_at)
    record_event(
        session, reservation.listing, None, "reservation.paid", {"reservation_id": reservation.id}
    )
    outbox.enqueue(session, "reservation.created", {"reservation_id": reservation.id})
    return True


def release_for_payment(
    session, reservation: Reservation, status: ReservationStatus, reason: str
) -> bool:
    """A failed or expired payment releases the hold (payments); False if nothing to do."""
    if reservation.status != S.PENDING_PAYMENT:
        return False
    reservation.cancel_reason = reason
    close(session, reservation, status, None, f"reservation.{status.value}", {"reason": reason})
    return True


def cancel_open_for_listing(session, listing: Listing, *, by: User, reason: str) -> int:
    """Cancel every open reservation of a listing (it is being withdrawn or hidden)."""
    open_ = session.scalars(
        sa.select(Reservation).where(
            Reservation.listing_id == listing.id, Reservation.status.in_(OPEN)
        )
    )
    count = 0
    for reservation in open_:
        reservation.cancel_reason = reason
        reservation.cancelled_by_id = by.id if by else None
        close(session, reservation, S.CANCELLED, by, "reservation.cancelled", {"reason": reason})
        count += 1
    return count
