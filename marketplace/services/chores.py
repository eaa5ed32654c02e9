"""Scheduled chores: the worker runs them before each round of outbox deliveries (the list is in
marketplace/handlers.py). Each one is a use case: it opens and commits its own transaction."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from .. import clock, outbox
from ..clock import HELSINKI
from ..database import write_transaction
from ..models import (
    OPEN,
    Listing,
    ListingEvent,
    ListingStatus,
    Reservation,
    ReservationStatus,
    WantedPost,
    WantedStatus,
)
from .hand_on import UNCLAIMED, UNCLAIMED_DAYS
from .holds import close
from .listing_log import record_event


def expire_overdue() -> int:
    """Scheduled: open reservations past their expiry return their quantity."""
    now = clock.now()
    with write_transaction() as session:
        overdue = list(
            session.scalars(
                sa.select(Reservation).where(
                    Reservation.status.in_(OPEN), Reservation.expires_at < now
                )
            )
        )
        for reservation in overdue:
            close(session, reservation, ReservationStatus.EXPIRED, None, "reservation.expired")
    return len(overdue)


def expire_listings() -> int:
    """Scheduled: listings past their availability window become expired."""
    with write_transaction() as session:
        stale = list(
            session.scalars(
                sa.select(Listing).where(
                    Listing.status.in_((ListingStatus.AVAILABLE, ListingStatus.RESERVED)),
                    Listing.available_until < clock.today(),
                )
            )
        )
        for listing in stale:
            listing.status = ListingStatus.EXPIRED
            record_event(session, listing, None, "listing.expired", {})
    return len(stale)


def send_reminders() -> int:
    """Scheduled: remind reservers the day before their pickup (once)."""
    tomorrow = clock.today() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=HELSINKI)
    end = start + timedelta(days=1)
    with write_transaction() as session:
        due = list(
            session.scalars(
                sa.select(Reservation).where(
                    Reservation.status == ReservationStatus.CONFIRMED,
                    Reservation.reminder_sent_at.is_(None),
                    Reservation.pickup_at >= start,
                    Reservation.pickup_at < end,
                )
            )
        )
        for reservation in due:
            reservation.reminder_sent_at = clock.now()
            outbox.enqueue(session, "reservation.reminder", {"reservation_id": reservation.id})
    return len(due)


def expire_wanted() -> int:
    """Scheduled: open wanted posts whose needed_by has passed become expired."""
    with write_transaction() as session:
        result = session.execute(
            sa.update(WantedPost)
            .where(WantedPost.status == WantedStatus.OPEN, WantedPost.needed_by < clock.today())
            .values(status=WantedStatus.EXPIRED, updated_at=clock.now())
        )
    return result.rowcount


def warn_unclaimed() -> int:
    """Scheduled: lots ending within UNCLAIMED_DAYS with nothing reserved or collected, not
    handed on and not pointed out before, are announced to their builders (once each)."""
    today = clock.today()
    warned = sa.exists().where(
        ListingEvent.listing_id == Listing.id, ListingEvent.kind == UNCLAIMED
    )
    with write_transaction() as session:
        due = list(
            session.scalars(
                sa.select(Listing)
                .where(
                    Listing.status == ListingStatus.AVAILABLE,
                    Listing.quantity_reserved == 0,
                    Listing.quantity_collected == 0,
                    Listing.handed_on_at.is_(None),
                    Listing.available_until >= today,
                    Listing.available_until <= today + timedelta(days=UNCLAIMED_DAYS),
                    ~warned,
                )
                .order_by(Listing.id)
            )
        )
        for listing in due:
            record_event(
                session,
                listing,
                None,
                UNCLAIMED,
                {"available_until": listing.available_until.isoformat()},
            )
            outbox.enqueue(session, "listing.unclaimed", {"listing_id": listing.id})
    return len(due)
