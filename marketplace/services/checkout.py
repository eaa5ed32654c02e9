"""The checkout flow: which lots are paid online, and starting Stripe Checkout for a reservation
that waits for its payment.

- A priced lot is paid online when the listing's organisation takes online payments
  (`payment_gateway.takes_online_payments`); otherwise the buyer pays at pickup.
- A free lot may carry a no-show deposit (a card hold, manual capture) under the same condition;
  the pickup must then be within DEPOSIT_MAX_DAYS (card holds last about 7 days).
- What happens to the money when the reservation closes is services/settlement.py.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .. import clock, formatting, payment_gateway
from ..database import write_transaction
from ..errors import InvalidTransition, NotFound, PaymentError
from ..labels import UNITS, label
from ..models import Listing, Payment, PaymentEvent, PaymentKind, PaymentStatus, Reservation
from ..models import ReservationStatus as RS
from ..payment_gateway.gateway import CheckoutRequest, GatewayError
from .holds import release_for_payment
from .payment_log import advance

P = PaymentStatus


def payment_kind(listing: Listing) -> PaymentKind | None:
    """What the taker pays online for this listing, or None (free, or pay at pickup)."""
    if not payment_gateway.takes_online_payments(listing.organization):
        return None
    if listing.price_cents > 0:
        return PaymentKind.CHARGE
    if listing.deposit_cents > 0:
        return PaymentKind.DEPOSIT
    return None


def amount_cents(listing: Listing, quantity: Decimal) -> int:
    """quantity × unit price, rounded to the cent."""
    return int(
        (Decimal(quantity) * listing.price_cents).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )


def checkout_hold_end():
    """When an unpaid reservation lets its quantity go (Checkout expires at the same moment)."""
    return clock.now() + timedelta(minutes=current_app.config["CHECKOUT_HOLD_MINUTES"])


def checkout_start(*, reservation_id: int, user_id: int, success_url: str, cancel_url: str) -> str:
    """The Checkout URL for a reservation awaiting payment (created once; reused after that)."""
    with write_transaction() as session:
        reservation = session.get(Reservation, reservation_id)
        if reservation is None or reservation.user_id != user_id:
            raise NotFound()
        if reservation.status != RS.PENDING_PAYMENT:
            raise InvalidTransition(_l("This reservation is not waiting for a payment."))
        listing = reservation.listing
        kind = payment_kind(listing)
        if kind is None:
            raise InvalidTransition(_l("This listing is not paid online."))
        payment = session.scalar(
            sa.select(Payment).where(Payment.reservation_id == reservation.id, Payment.kind == kind)
        )
        if payment is None:
            payment = _new_payment(session, reservation, listing, kind)
        if payment.checkout_url:
            return payment.checkout_url
        request = CheckoutRequest(
            reservation_id=reservation.id,
            amount_cents=payment.amount_cents,
            description=_description(listing, reservation, kind),
            locale=formatting.locale_code(),
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=reservation.expires_at,
            idempotency_key=f"reservation:{reservation.id}:checkout:{kind.value}",
            capture_manually=kind == PaymentKind.DEPOSIT,
            destination_account=payment.destination_account,
            platform_fee_cents=payment.platform_fee_cents,
            customer_email=reservation.user.email,
        )
        payment_id = payment.id
    try:
        checkout = payment_gateway.gateway().create_checkout(request)
    except GatewayError as exc:
        _abandon(reservation_id, payment_id, str(exc))
        raise PaymentError(
            _l(
                "The payment service did not accept the payment just now. Your reservation was "
                "released and nothing was charged; please try again."
            )
        ) from exc
    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        payment.checkout_session_id, payment.checkout_url = checkout.id, checkout.url
    return checkout.url


def _description(listing: Listing, reservation: Reservation, kind: PaymentKind) -> str:
    """The line on Stripe's page, in the payer's language (the request's locale)."""
    if kind == PaymentKind.DEPOSIT:
        return gettext("No-show deposit: %(title)s", title=listing.title)
    return gettext(
        "%(title)s – %(quantity)s %(unit)s",
        title=listing.title,
        quantity=formatting.number(reservation.quantity),
        unit=label(UNITS, listing.unit),
    )


def _new_payment(session, reservation: Reservation, listing: Listing, kind: PaymentKind) -> Payment:
    charge = kind == PaymentKind.CHARGE
    amount = amount_cents(listing, reservation.quantity) if charge else listing.deposit_cents
    fee = int(amount * current_app.config["STRIPE_PLATFORM_FEE_PERCENT"] / 100) if charge else 0
    payment = Payment(
        reservation_id=reservation.id,
        kind=kind,
        amount_cents=amount,
        platform_fee_cents=fee,
        destination_account=listing.organization.stripe_account_id,
    )
    session.add(payment)
    session.flush()
    session.add(PaymentEvent(payment_id=payment.id, status=P.OPEN.value, detail="created"))
    return payment


def _abandon(reservation_id: int, payment_id: int, reason: str) -> None:
    """Checkout could not start: release the hold and mark the payment failed."""
    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        advance(session, payment, P.FAILED, reason)
        release_for_payment(
            session,
            session.get(Reservation, reservation_id),
            RS.CANCELLED,
            "payment could not be started",
        )
