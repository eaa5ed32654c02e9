"""Payment use cases: which lots are paid online, starting Checkout, applying Stripe's webhook
events (once each, forward only), and settling money when a reservation closes.

Rules, in one place:
- A priced lot is paid online when Stripe is configured and the builder's organisation can take
  charges (Connect); otherwise the buyer pays at pickup.
- A free lot may carry a no-show deposit (a card hold, manual capture) under the same conditions;
  the pickup must then be within DEPOSIT_MAX_DAYS (card holds last about 7 days).
- Cancelling a paid reservation refunds it: in full, or minus the listing's late-cancellation fee
  when the taker cancels less than LATE_CANCEL_HOURS before the pickup time. A seller's
  cancellation always refunds in full.
- A deposit is released on collection, on the seller's cancellation, on the taker's cancellation
  at least LATE_CANCEL_HOURS before pickup, and on expiry; it is captured (fully or partly) when
  the seller marks a no-show, or in full when the taker cancels later than that.
"""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock, payments
from ..database import write_transaction
from ..errors import InvalidTransition, NotFound, PaymentError
from ..models import Listing, Organization, Payment, PaymentEvent, PaymentKind, PaymentStatus, Reservation, User
from ..models import ReservationStatus as RS
from ..payments.gateway import CheckoutRequest, GatewayError

LATE_CANCEL_HOURS = 24
P = PaymentStatus


def payment_kind(listing: Listing) -> PaymentKind | None:
    """What the taker pays online for this listing, or None (free, or pay at pickup)."""
    org = listing.organization
    if not payments.online() or not (org.stripe_account_id and org.charges_enabled):
        return None
    if listing.price_cents > 0:
        return PaymentKind.CHARGE
    if listing.deposit_cents > 0:
        return PaymentKind.DEPOSIT
    return None


def amount_cents(listing: Listing, quantity: Decimal) -> int:
    """quantity × unit price, rounded to the cent."""
    return int((Decimal(quantity) * listing.price_cents).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def advance(session, payment: Payment, status: PaymentStatus, detail: str = "", event_id: str = "") -> bool:
    """Move a payment forward and record it; False (and nothing written) if it cannot move there.
    Late or repeated events therefore never move a payment back."""
    if not payment.can_become(status):
        return False
    payment.status = status
    session.add(PaymentEvent(payment_id=payment.id, status=status.value, detail=detail[:500], stripe_event_id=event_id))
    return True


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
        payment = session.scalar(sa.select(Payment).where(Payment.reservation_id == reservation.id,
                                                          Payment.kind == kind))
        if payment is None:
            amount = amount_cents(listing, reservation.quantity) if kind == PaymentKind.CHARGE else listing.deposit_cents
            fee = int(amount * current_app.config["STRIPE_PLATFORM_FEE_PERCENT"] / 100) if kind == PaymentKind.CHARGE else 0
            payment = Payment(reservation_id=reservation.id, kind=kind, amount_cents=amount, platform_fee_cents=fee,
                              destination_account=listing.organization.stripe_account_id)
            session.add(payment)
            session.flush()
            session.add(PaymentEvent(payment_id=payment.id, status=P.OPEN.value, detail="created"))
        if payment.checkout_url:
            return payment.checkout_url
        request = CheckoutRequest(
            reservation_id=reservation.id, amount_cents=payment.amount_cents,
            description=f"{listing.title} – {format(reservation.quantity.normalize(), 'f')} {listing.unit}"
            if kind == PaymentKind.CHARGE else f"No-show deposit: {listing.title}",
            success_url=success_url, cancel_url=cancel_url, expires_at=reservation.expires_at,
            idempotency_key=f"reservation:{reservation.id}:checkout:{kind.value}",
            capture_manually=kind == PaymentKind.DEPOSIT, destination_account=payment.destination_account,
            platform_fee_cents=payment.platform_fee_cents, customer_email=reservation.user.email)
        payment_id = payment.id
    try:
        checkout = payments.gateway().create_checkout(request)
    except GatewayError as exc:
        _abandon(reservation_id, payment_id, str(exc))
        raise PaymentError(_l("The payment service did not accept the payment just now. Your reservation was "
                              "released and nothing was charged; please try again.")) from exc
    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        payment.checkout_session_id, payment.checkout_url = checkout.id, checkout.url
    return checkout.url


def _abandon(reservation_id: int, payment_id: int, reason: str) -> None:
    """Checkout could not start: release the hold and mark the payment failed."""
    from .reservations import release_for_payment

    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        advance(session, payment, P.FAILED, reason)
        release_for_payment(session, session.get(Reservation, reservation_id), RS.CANCELLED,
                            "payment could not be started")


def payouts_link(*, user_id: int, refresh_url: str, return_url: str) -> str:
    """Stripe's onboarding link for the builder's organisation (its Connect account is made once)."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_builder or user.organization_id is None:
            raise NotFound()
        org = user.organization
        org_id, account, email = org.id, org.stripe_account_id, user.email
    gateway = payments.gateway()
    if not account:
        try:
            account = gateway.create_connected_account(organization_id=org_id, email=email,
                                                       idempotency_key=f"organization:{org_id}:connect")
        except GatewayError as exc:
            raise PaymentError() from exc
        with write_transaction() as session:
            session.get(Organization, org_id).stripe_account_id = account
    try:
        return gateway.onboarding_link(account, refresh_url=refresh_url, return_url=return_url)
    except GatewayError as exc:
        raise PaymentError() from exc


def payouts_refresh(*, user_id: int) -> Organization:
    """Ask Stripe whether the organisation's account can take charges now."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_builder or not user.organization or not user.organization.stripe_account_id:
            raise NotFound()
        org_id, account = user.organization_id, user.organization.stripe_account_id
    try:
        status = payments.gateway().account_status(account)
    except GatewayError as exc:
        raise PaymentError() from exc
    with write_transaction() as session:
        org = session.get(Organization, org_id)
        org.charges_enabled, org.payouts_enabled = status["charges_enabled"], status["payouts_enabled"]
    return org


def refund_due(payment: Payment, reservation: Reservation) -> int:
    """How much of a paid charge goes back when the reservation is cancelled."""
    late = (reservation.pickup_at is not None and reservation.cancelled_by_id == reservation.user_id
            and reservation.closed_at is not None
            and reservation.pickup_at - reservation.closed_at < timedelta(hours=LATE_CANCEL_HOURS))
    fee = payment.amount_cents * reservation.listing.late_cancel_fee_percent // 100 if late else 0
    return payment.amount_cents - payment.refunded_cents - fee


def deposit_kept_on_cancel(reservation: Reservation) -> bool:
    """A taker who cancels less than LATE_CANCEL_HOURS before pickup forfeits the deposit."""
    return (reservation.cancelled_by_id == reservation.user_id and reservation.pickup_at is not None
            and reservation.closed_at is not None
            and reservation.pickup_at - reservation.closed_at < timedelta(hours=LATE_CANCEL_HOURS))


def checkout_hold_end():
    """When an unpaid reservation lets its quantity go (Checkout expires at the same moment)."""
    return clock.now() + timedelta(minutes=current_app.config["CHECKOUT_HOLD_MINUTES"])
