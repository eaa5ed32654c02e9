"""Reservation use cases: reserve part of a lot, cancel, hand over, no-show, expire.

Never over-reserved: the listing's counters change only through conditional UPDATEs inside one
write transaction (BEGIN IMMEDIATE on SQLite; on PostgreSQL the UPDATE re-checks its WHERE
clause on the row it waited for), and a CHECK constraint backs them up.
"""
import secrets
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock, outbox
from ..database import write_transaction
from ..errors import Forbidden, InsufficientQuantity, InvalidTransition, LimitReached, ListingNotAvailable, NotFound
from ..labels import RESERVATION_STATUSES, UNITS, label
from ..models import OPEN, Listing, ListingStatus, Reservation, ReservationStatus, Site, User
from ..models.types import to_milli
from . import impact, pickups
from . import validation as v
from .listings import record_event, refresh_status

S = ReservationStatus
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read aloud at a site gate


def _available_sql():
    return Listing.quantity - Listing.quantity_reserved - Listing.quantity_collected


def _milli(value: Decimal):
    return sa.bindparam(None, to_milli(value), type_=sa.BigInteger)


def _left_message(listing: Listing) -> str:
    left = listing.quantity_available
    return str(_l("Only %(n)s %(unit)s left.", n=format(left.normalize(), "f"), unit=label(UNITS, listing.unit)))


def reservation_book(*, user_id: int, listing_id: int, quantity, pickup_at: datetime | None = None,
                     message: str = "", success_url: str = "", cancel_url: str = ""):
    """Reserve, and when the lot is paid online (or carries a deposit) start Stripe Checkout.
    Returns (reservation, checkout URL or None)."""
    from . import payments as payment_services
    from ..extensions import db

    listing = db.session.get(Listing, listing_id)
    kind = payment_services.payment_kind(listing) if listing is not None else None
    reservation = reservation_create(user_id=user_id, listing_id=listing_id, quantity=quantity, pickup_at=pickup_at,
                                     message=message, payment_kind=kind)
    if kind is None:
        return reservation, None
    url = payment_services.checkout_start(reservation_id=reservation.id, user_id=user_id,
                                          success_url=success_url, cancel_url=cancel_url)
    return reservation, url


def reservation_create(*, user_id: int, listing_id: int, quantity, pickup_at: datetime | None = None,
                       message: str = "", payment_kind=None) -> Reservation:
    """Hold `quantity` of a listing for the user, with an optional pickup time and message.
    With a `payment_kind` the reservation waits for the payment (pending_payment) and holds the
    quantity only as long as Checkout stays open."""
    errors = v.Errors()
    quantity = v.decimal(errors, "quantity", quantity)
    message = v.text(errors, "message", message, required=False, max_len=1000)
    errors.raise_if_any()
    with write_transaction() as session:
        user = session.get(User, user_id)
        listing = session.get(Listing, listing_id)
        if user is None or listing is None or not listing.can_view(user):
            raise NotFound()
        if listing.can_manage(user):
            raise Forbidden(_l("You cannot reserve your own organisation's material."))
        if not listing.is_reservable(clock.today()):
            raise ListingNotAvailable()
        _check_open_limit(session, user)
        # Lock the site row: pickup-slot capacity is then checked and taken atomically. NO KEY
        # UPDATE (key_share) still lets other transactions insert rows that reference the site.
        session.execute(sa.select(Site.id).where(Site.id == listing.site_id).with_for_update(key_share=True))
        if pickup_at is not None:
            pickups.check_pickup_time(listing, pickup_at)
        if payment_kind == "deposit":
            _check_deposit_window(pickup_at)
        taken = session.execute(
            sa.update(Listing)
            .where(Listing.id == listing.id, Listing.status == ListingStatus.AVAILABLE,
                   _available_sql() >= _milli(quantity))
            .values(quantity_reserved=Listing.quantity_reserved + _milli(quantity), updated_at=clock.now())
            .execution_options(synchronize_session=False))
        session.refresh(listing)
        if taken.rowcount != 1:
            if listing.status not in (ListingStatus.AVAILABLE, ListingStatus.RESERVED):
                raise ListingNotAvailable()
            raise InsufficientQuantity(_left_message(listing), fields={"quantity": _left_message(listing)},
                                       available=float(listing.quantity_available))
        refresh_status(listing)
        if payment_kind:
            from .payments import checkout_hold_end

            status, expires_at = S.PENDING_PAYMENT, checkout_hold_end()
        else:
            status, expires_at = S.CONFIRMED, pickups.expiry_for(listing, pickup_at)
        reservation = Reservation(listing_id=listing.id, user_id=user.id, quantity=quantity, status=status,
                                  pickup_at=pickup_at, message=message, code=_new_code(), expires_at=expires_at)
        session.add(reservation)
        session.flush()
        record_event(session, listing, user, "reservation.created",
                     {"reservation_id": reservation.id, "quantity": str(quantity), "status": status.value})
        if status == S.CONFIRMED:   # a paid reservation is announced once the payment arrives
            outbox.enqueue(session, "reservation.created", {"reservation_id": reservation.id})
    return reservation


def _check_open_limit(session, user: User) -> None:
    """At most MAX_OPEN_RESERVATIONS open at once; the user's row is locked (PostgreSQL) so that
    two simultaneous requests cannot both pass the count."""
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    limit = current_app.config["MAX_OPEN_RESERVATIONS"]
    held = session.scalar(sa.select(sa.func.count()).where(Reservation.user_id == user.id,
                                                          Reservation.status.in_(OPEN)))
    if held >= limit:
        raise LimitReached(_l("You already hold %(n)d open reservations. Collect or cancel one first.", n=limit))


def _check_deposit_window(pickup_at: datetime | None) -> None:
    """A deposit is a card hold, which lasts about 7 days: the pickup must be sooner."""
    from datetime import timedelta

    days = current_app.config["DEPOSIT_MAX_DAYS"]
    if pickup_at is None or pickup_at > clock.now() + timedelta(days=days):
        v.Errors(pickup_at=_l("This lot has a no-show deposit: choose a pickup time within %(n)d days.", n=days)
                 ).raise_if_any()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def _load(session, reservation_id: int, user: User | None) -> Reservation:
    """The reservation, row-locked (PostgreSQL) and re-read, so its status is checked against the
    latest committed state: two cancels of the same reservation cannot both return its quantity."""
    reservation = session.scalar(sa.select(Reservation).where(Reservation.id == reservation_id)
                                 .with_for_update().execution_options(populate_existing=True))
    if reservation is None or (user is not None and not reservation.visible_to(user)):
        raise NotFound()
    return reservation


def _release(session, reservation: Reservation) -> Listing:
    """Return an open reservation's quantity to its listing (the counter can never go negative)."""
    session.execute(
        sa.update(Listing).where(Listing.id == reservation.listing_id,
                                 Listing.quantity_reserved >= _milli(reservation.quantity))
        .values(quantity_reserved=Listing.quantity_reserved - _milli(reservation.quantity), updated_at=clock.now())
        .execution_options(synchronize_session=False))
    listing = session.get(Listing, reservation.listing_id)
    session.refresh(listing)
    refresh_status(listing)
    return listing


def _close(session, reservation: Reservation, status: ReservationStatus, actor: User | None, kind: str,
           data: dict | None = None, payload: dict | None = None) -> Listing:
    if not reservation.can_become(status):
        raise InvalidTransition(_l("A reservation in state “%(status)s” cannot become “%(new)s”.",
                                   status=label(RESERVATION_STATUSES, reservation.status),
                                   new=label(RESERVATION_STATUSES, status)))
    listing = _release(session, reservation)
    reservation.status = status
    reservation.closed_at = clock.now()
    record_event(session, listing, actor, kind, {"reservation_id": reservation.id, **(data or {})})
    outbox.enqueue(session, kind, {"reservation_id": reservation.id, **(payload or {})})
    return listing


def reservation_cancel(*, user_id: int, reservation_id: int, reason: str = "") -> Reservation:
    """The reserver or the listing's organisation cancels; the quantity returns to the listing."""
    errors = v.Errors()
    reason = v.text(errors, "reason", reason, required=False, max_len=500)
    errors.raise_if_any()
    with write_transaction() as session:
        user = session.get(User, user_id)
        reservation = _load(session, reservation_id, user)
        if not reservation.can_cancel(user):
            raise NotFound()
        reservation.cancel_reason = reason or str(_l("No reason given"))
        reservation.cancelled_by_id = user.id
        _close(session, reservation, S.CANCELLED, user, "reservation.cancelled", {"reason": reservation.cancel_reason})
    return reservation


def reservation_no_show(*, user_id: int, reservation_id: int, capture_cents: int | None = None) -> Reservation:
    """The listing's organisation marks that nobody came; the quantity returns to the listing.
    A no-show deposit is captured in full, or `capture_cents` of it."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        reservation = _load(session, reservation_id, user)
        if not user.belongs_to(reservation.listing.organization_id):
            raise NotFound()
        if reservation.pickup_at is not None and clock.now() < reservation.pickup_at:
            raise InvalidTransition(_l("A no-show can be marked only after the pickup time."))
        if capture_cents is not None and (not isinstance(capture_cents, int) or capture_cents < 0):
            v.Errors(capture_cents=_l("Enter the amount in cents, 0 or more.")).raise_if_any()
        _close(session, reservation, S.NO_SHOW, user, "reservation.no_show",
               payload={"capture_cents": capture_cents} if capture_cents is not None else None)
    return reservation


def reservation_collect(*, user_id: int, reservation_id: int, quantity=None, weighed_kg=None,
                        code: str | None = None):
    """The listing's organisation hands over (all or less); writes the handover record."""
    errors = v.Errors()
    quantity = v.decimal(errors, "quantity", quantity, required=False)
    weighed = v.decimal(errors, "weighed_kg", weighed_kg, required=False, maximum=v.MAX_KG_PER_UNIT * 1000)
    errors.raise_if_any()
    with write_transaction() as session:
        user = session.get(User, user_id)
        reservation = _load(session, reservation_id, user)
        if not user.belongs_to(reservation.listing.organization_id):
            raise NotFound()
        if not reservation.can_become(S.COLLECTED):
            raise InvalidTransition(_l("A reservation in state “%(status)s” cannot be collected.",
                                       status=label(RESERVATION_STATUSES, reservation.status)))
        if code is not None and code.strip().upper() != reservation.code:
            v.Errors(code=_l("The pickup code does not match this reservation.")).raise_if_any()
        actual = quantity if quantity is not None else reservation.quantity
        if actual > reservation.quantity:
            v.Errors(quantity=_l("At most the reserved %(n)s.", n=format(reservation.quantity.normalize(), "f"))
                     ).raise_if_any()
        session.execute(
            sa.update(Listing).where(Listing.id == reservation.listing_id,
                                     Listing.quantity_reserved >= _milli(reservation.quantity))
            .values(quantity_reserved=Listing.quantity_reserved - _milli(reservation.quantity),
                    quantity_collected=Listing.quantity_collected + _milli(actual), updated_at=clock.now())
            .execution_options(synchronize_session=False))
        listing = session.get(Listing, reservation.listing_id)
        session.refresh(listing)
        refresh_status(listing)
        reservation.status = S.COLLECTED
        reservation.closed_at = clock.now()
        handover = impact.record_handover(session, listing=listing, reservation=reservation, quantity=actual,
                                          weighed_kg=weighed, recorded_by=user)
        record_event(session, listing, user, "reservation.collected",
                     {"reservation_id": reservation.id, "quantity": str(actual), "mass_kg": str(handover.mass_kg)})
        outbox.enqueue(session, "reservation.collected", {"reservation_id": reservation.id})
    return reservation, handover


def reservation_confirm_payment(session, reservation: Reservation) -> bool:
    """pending_payment → confirmed (payments); False when the reservation moved on already."""
    if reservation.status != S.PENDING_PAYMENT:
        return False
    reservation.status = S.CONFIRMED
    reservation.expires_at = pickups.expiry_for(reservation.listing, reservation.pickup_at)
    record_event(session, reservation.listing, None, "reservation.paid", {"reservation_id": reservation.id})
    outbox.enqueue(session, "reservation.created", {"reservation_id": reservation.id})
    return True


def release_for_payment(session, reservation: Reservation, status: ReservationStatus, reason: str) -> bool:
    """A failed or expired payment releases the hold (payments); False if nothing to do."""
    if reservation.status != S.PENDING_PAYMENT:
        return False
    reservation.cancel_reason = reason
    _close(session, reservation, status, None, f"reservation.{status.value}", {"reason": reason})
    return True


def cancel_open_for_listing(session, listing: Listing, *, by: User, reason: str) -> int:
    """Cancel every open reservation of a listing (it is being withdrawn or hidden)."""
    open_ = session.scalars(sa.select(Reservation).where(Reservation.listing_id == listing.id,
                                                          Reservation.status.in_(OPEN)))
    count = 0
    for reservation in open_:
        reservation.cancel_reason = reason
        reservation.cancelled_by_id = by.id if by else None
        _close(session, reservation, S.CANCELLED, by, "reservation.cancelled", {"reason": reason})
        count += 1
    return count


def expire_overdue() -> int:
    """Scheduled: open reservations past their expiry return their quantity."""
    now = clock.now()
    with write_transaction() as session:
        overdue = list(session.scalars(sa.select(Reservation).where(Reservation.status.in_(OPEN),
                                                                    Reservation.expires_at < now)))
        for reservation in overdue:
            _close(session, reservation, S.EXPIRED, None, "reservation.expired")
    return len(overdue)


def expire_listings() -> int:
    """Scheduled: listings past their availability window become expired."""
    with write_transaction() as session:
        stale = list(session.scalars(sa.select(Listing).where(
            Listing.status.in_((ListingStatus.AVAILABLE, ListingStatus.RESERVED)),
            Listing.available_until < clock.today())))
        for listing in stale:
            listing.status = ListingStatus.EXPIRED
            record_event(session, listing, None, "listing.expired", {})
    return len(stale)


def send_reminders() -> int:
    """Scheduled: remind reservers the day before their pickup (once)."""
    from datetime import timedelta

    from ..clock import HELSINKI

    tomorrow = clock.today() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=HELSINKI)
    end = start + timedelta(days=1)
    with write_transaction() as session:
        due = list(session.scalars(sa.select(Reservation).where(
            Reservation.status == S.CONFIRMED, Reservation.reminder_sent_at.is_(None),
            Reservation.pickup_at >= start, Reservation.pickup_at < end)))
        for reservation in due:
            reservation.reminder_sent_at = clock.now()
            outbox.enqueue(session, "reservation.reminder", {"reservation_id": reservation.id})
    return len(due)
