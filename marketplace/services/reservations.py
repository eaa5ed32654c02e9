"""Reservation use cases: reserve part of a lot, cancel, hand over, no-show. Each opens and
commits its own transaction; the steps inside are services/holds.py (expiry is a chore,
services/chores.py).

Never over-reserved: the listing's counters change only through conditional UPDATEs inside one
write transaction (BEGIN IMMEDIATE on SQLite; on PostgreSQL the UPDATE re-checks its WHERE
clause on the row it waited for), and a CHECK constraint backs them up.
"""

from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import clock, formatting, outbox
from ..database import write_transaction
from ..errors import InvalidTransition, NotFound
from ..extensions import db
from ..labels import RESERVATION_STATUSES, label
from ..models import Listing, Reservation, ReservationStatus, User
from ..models.reservations import typed_code
from . import checkout, ledger, plausibility, reserving
from . import validation as v
from .holds import close, release
from .listing_log import record_event

S = ReservationStatus


def reservation_book(
    *,
    user_id: int,
    listing_id: int,
    quantity,
    pickup_at: datetime | None = None,
    message: str = "",
    success_url: str = "",
    cancel_url: str = "",
):
    """Reserve, and when the lot is paid online (or carries a deposit) start Stripe Checkout.
    Returns (reservation, checkout URL or None)."""
    reservation = _create(
        user_id=user_id,
        listing_id=listing_id,
        quantity=quantity,
        pickup_at=pickup_at,
        message=message,
        payment_kind=checkout.payment_kind,
    )
    if reservation.status != S.PENDING_PAYMENT:
        return reservation, None
    url = checkout.checkout_start(
        reservation_id=reservation.id,
        user_id=user_id,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    return reservation, url


def reservation_create(
    *,
    user_id: int,
    listing_id: int,
    quantity,
    pickup_at: datetime | None = None,
    message: str = "",
    payment_kind=None,
) -> Reservation:
    """Hold `quantity` of a listing for the user, with an optional pickup time and message.
    With a `payment_kind` the reservation waits for the payment (pending_payment) and holds the
    quantity only as long as Checkout stays open."""
    return _create(
        user_id=user_id,
        listing_id=listing_id,
        quantity=quantity,
        pickup_at=pickup_at,
        message=message,
        payment_kind=lambda _listing: payment_kind,
    )


def _create(*, user_id, listing_id, quantity, pickup_at, message, payment_kind) -> Reservation:
    """One reservation in one transaction; `payment_kind(listing)` says what is paid online.
    Its objects stay loaded after the commit, so the response is built without reading back
    what the transaction has just written."""
    errors = v.Errors()
    quantity = v.decimal(errors, "quantity", quantity)
    message = v.text(errors, "message", message, required=False, max_len=1000)
    errors.raise_if_any()
    with _kept_after_commit(), write_transaction(relocks=True) as session:
        user, listing, held = reserving.locked_for_reserving(
            session, user_id=user_id, listing_id=listing_id
        )
        if user is None or listing is None or not listing.can_view(user):
            raise NotFound()
        reservation = reserving.reserve(
            session,
            user=user,
            listing=listing,
            quantity=quantity,
            pickup_at=pickup_at,
            message=message,
            payment_kind=payment_kind(listing),
            held=held,
        )
    return reservation


@contextmanager
def _kept_after_commit():
    """Within it the request's session does not expire its objects at commit (issue 16: no
    re-reads after commit). Only what the transaction itself read or wrote is in it."""
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = previous


def _load(session, reservation_id: int, user: User | None) -> Reservation:
    """The reservation, row-locked (PostgreSQL) and re-read, so its status is checked against the
    latest committed state: two cancels of the same reservation cannot both return its quantity."""
    reservation = session.scalar(
        sa.select(Reservation)
        .where(Reservation.id == reservation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if reservation is None or (user is not None and not reservation.visible_to(user)):
        raise NotFound()
    return reservation


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
        close(
            session,
            reservation,
            S.CANCELLED,
            user,
            "reservation.cancelled",
            {"reason": reservation.cancel_reason},
        )
    return reservation


def reservation_no_show(
    *, user_id: int, reservation_id: int, capture_cents: int | None = None
) -> Reservation:
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
        close(
            session,
            reservation,
            S.NO_SHOW,
            user,
            "reservation.no_show",
            payload={"capture_cents": capture_cents} if capture_cents is not None else None,
        )
    return reservation


def reservation_collect(
    *,
    user_id: int,
    reservation_id: int,
    quantity=None,
    weighed_kg=None,
    code: str | None = None,
    confirm_unusual_mass: bool = False,
):
    """The listing's organisation hands over (all or less); writes the handover record. A weighing
    far from the expected mass needs `confirm_unusual_mass` and is flagged for the city."""
    errors = v.Errors()
    quantity = v.decimal(errors, "quantity", quantity, required=False)
    weighed = v.decimal(
        errors, "weighed_kg", weighed_kg, required=False, maximum=v.MAX_KG_PER_UNIT * 1000
    )
    errors.raise_if_any()
    with write_transaction() as session:
        user = session.get(User, user_id)
        reservation = _load(session, reservation_id, user)
        if not user.belongs_to(reservation.listing.organization_id):
            raise NotFound()
        if not reservation.can_become(S.COLLECTED):
            raise InvalidTransition(
                _l(
                    "A reservation in state “%(status)s” cannot be collected.",
                    status=label(RESERVATION_STATUSES, reservation.status),
                )
            )
        if code is not None and typed_code(code) != reservation.code:
            v.Errors(code=_l("The pickup code does not match this reservation.")).raise_if_any()
        actual = quantity if quantity is not None else reservation.quantity
        if actual > reservation.quantity:
            v.Errors(
                quantity=_l(
                    "At most the reserved %(n)s.", n=formatting.number(reservation.quantity)
                )
            ).raise_if_any()
        flagged = _mass_flagged(reservation.listing, actual, weighed, confirm_unusual_mass is True)
        listing = release(session, reservation, collected=actual)
        reservation.status = S.COLLECTED
        reservation.closed_at = clock.now()
        handover = ledger.record_handover(
            session,
            listing=listing,
            reservation=reservation,
            quantity=actual,
            weighed_kg=weighed,
            recorded_by=user,
            mass_flagged=flagged,
        )
        record_event(
            session,
            listing,
            user,
            "reservation.collected",
            {
                "reservation_id": reservation.id,
                "quantity": str(actual),
                "mass_kg": str(handover.mass_kg),
            },
        )
        outbox.enqueue(session, "reservation.collected", {"reservation_id": reservation.id})
    return reservation, handover


def _mass_flagged(listing: Listing, quantity, weighed, confirmed: bool) -> bool:
    """A confirmed implausible weighing, or an unweighed handover of a flagged listing's mass."""
    plausibility.check_total(weighed, "weighed_kg")
    if weighed is None:
        return listing.mass_flagged_at is not None
    expected = quantity * listing.kg_per_unit if listing.kg_per_unit is not None else None
    return plausibility.weighed_is_flagged(expected, weighed, confirmed=confirmed)
