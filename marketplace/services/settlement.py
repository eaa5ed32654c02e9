"""Settling money when a reservation closes, as an outbox handler (retried until Stripe answers;
each call carries a deterministic idempotency key, so a retry never moves money twice). It runs
only with Stripe on (wired in marketplace/handlers.py).

- Cancelling a paid reservation refunds it: in full, or minus the listing's late-cancellation
  share when the taker cancels late (`Reservation.cancelled_late`, LATE_CANCEL_HOURS before
  pickup). A seller's cancellation always refunds in full.
- A deposit is released on collection, on the seller's cancellation, on the taker's timely
  cancellation and on expiry; it is captured (fully or partly) when the seller marks a no-show,
  or in full when the taker cancels late.
"""

import sqlalchemy as sa

from .. import outbox, payment_gateway
from ..database import write_transaction
from ..extensions import db
from ..models import Payment, PaymentKind, Reservation
from ..models import PaymentStatus as P
from ..models import ReservationStatus as RS
from .payment_log import advance


def settle(message: outbox.Message) -> None:
    """Refund, release or capture whatever the closed reservation's payments call for."""
    if "payment_id" in message.payload:
        rows = [db.session.get(Payment, message.payload["payment_id"])]
    else:
        rows = list(
            db.session.scalars(
                sa.select(Payment).where(
                    Payment.reservation_id == message.payload["reservation_id"]
                )
            )
        )
    for payment in rows:
        if payment is not None:
            _settle_one(payment, message)


def _settle_one(payment: Payment, message: outbox.Message) -> None:
    reservation = db.session.get(Reservation, payment.reservation_id)
    gateway = payment_gateway.gateway()
    if payment.kind == PaymentKind.CHARGE and payment.status in (P.PAID, P.PARTIALLY_REFUNDED):
        if message.payload.get("reason") == "late payment":  # paid after the hold had lapsed
            amount = payment.amount_cents - payment.refunded_cents
        elif reservation.status == RS.CANCELLED:
            amount = refund_due(payment, reservation)
        else:  # collected, no-show, expired: kept
            amount = 0
        if amount > 0:
            gateway.refund(
                payment.payment_intent_id,
                amount,
                idempotency_key=f"payment:{payment.id}:refund",
                reverse_transfer=bool(payment.destination_account),
            )
            full = amount + payment.refunded_cents >= payment.amount_cents
            _record(
                payment.id,
                P.REFUNDED if full else P.PARTIALLY_REFUNDED,
                f"refund of {amount} cents",
                refunded=amount,
            )
    elif payment.kind == PaymentKind.DEPOSIT and payment.status == P.AUTHORIZED:
        capture = None
        if reservation.status == RS.NO_SHOW:
            capture = min(
                int(message.payload.get("capture_cents") or payment.amount_cents),
                payment.amount_cents,
            )
        elif reservation.status == RS.CANCELLED and reservation.cancelled_late:  # forfeited
            capture = payment.amount_cents
        if capture:
            gateway.capture(
                payment.payment_intent_id, capture, idempotency_key=f"payment:{payment.id}:capture"
            )
            _record(payment.id, P.CAPTURED, f"captured {capture} cents", captured=capture)
        elif reservation.status in (RS.COLLECTED, RS.CANCELLED, RS.EXPIRED, RS.NO_SHOW):
            gateway.release(
                payment.payment_intent_id, idempotency_key=f"payment:{payment.id}:release"
            )
            _record(payment.id, P.RELEASED, "card hold released")


def refund_due(payment: Payment, reservation: Reservation) -> int:
    """How much of a paid charge goes back when the reservation is cancelled: all of it, less the
    listing's late-cancellation share when the taker cancelled late (a seller's cancellation
    always refunds in full)."""
    late = reservation.cancelled_late
    fee = payment.amount_cents * reservation.listing.late_cancel_fee_percent // 100 if late else 0
    return payment.amount_cents - payment.refunded_cents - fee


def _record(payment_id: int, status: P, detail: str, refunded: int = 0, captured: int = 0) -> None:
    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        payment.refunded_cents += refunded
        payment.captured_cents += captured
        advance(session, payment, status, detail)
