"""Applying Stripe webhook events: each event id once (stored in the same transaction as its
effect), states only forward, unknown types acknowledged and ignored. Slow work (refunds,
releases, notifications) goes through the outbox; this handler only writes rows."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import outbox
from ..database import write_transaction
from ..extensions import db
from ..models import Organization, Payment, PaymentKind, Reservation, StripeEvent
from ..models import PaymentStatus as P
from ..models import ReservationStatus as RS
from .holds import confirm_payment, release_for_payment
from .payment_log import advance


def apply(event: dict) -> str:
    """Apply a verified event; returns "applied", "ignored" or "duplicate"."""
    try:
        with write_transaction() as session:
            if session.get(StripeEvent, event["id"]) is not None:
                return "duplicate"
            session.add(
                StripeEvent(
                    id=event["id"], type=event.get("type", ""), livemode=bool(event.get("livemode"))
                )
            )
            handler = HANDLERS.get(event.get("type", ""))
            if handler is None:
                return "ignored"
            handler(session, event["data"]["object"], event["id"])
            return "applied"
    except IntegrityError:  # the same event delivered twice at the same moment
        db.session.rollback()
        return "duplicate"


def _payment_for_session(session, obj) -> Payment | None:
    payment = session.scalar(sa.select(Payment).where(Payment.checkout_session_id == obj.get("id")))
    if payment is None and (obj.get("metadata") or {}).get("reservation_id", "").isdigit():
        payment = session.scalar(
            sa.select(Payment).where(
                Payment.reservation_id == int(obj["metadata"]["reservation_id"]),
                Payment.kind == (obj["metadata"].get("kind") or "charge"),
            )
        )
    if payment is not None and obj.get("payment_intent") and not payment.payment_intent_id:
        payment.payment_intent_id = obj["payment_intent"]
    return payment


def _paid_or_held(session, payment: Payment, event_id: str) -> None:
    """Money is in (charge) or on hold (deposit): confirm the reservation, or undo if it lapsed."""
    status = P.PAID if payment.kind == PaymentKind.CHARGE else P.AUTHORIZED
    if not advance(session, payment, status, "checkout completed", event_id):
        return
    reservation = session.get(Reservation, payment.reservation_id)
    if reservation.status == RS.PENDING_PAYMENT:
        confirm_payment(session, reservation)
    else:
        # The hold lapsed before the payment arrived: give the money back.
        outbox.enqueue(
            session, "payment.settle", {"payment_id": payment.id, "reason": "late payment"}
        )


def checkout_completed(session, obj, event_id):
    payment = _payment_for_session(session, obj)
    if payment is None:
        return
    if payment.kind == PaymentKind.DEPOSIT or obj.get("payment_status") == "paid":
        _paid_or_held(session, payment, event_id)
    # "unpaid" for a charge: a delayed payment method; async_payment_succeeded/failed decides.


def async_payment_succeeded(session, obj, event_id):
    payment = _payment_for_session(session, obj)
    if payment is not None:
        _paid_or_held(session, payment, event_id)


def _not_paid(session, obj, event_id, status: P, reason: str):
    payment = _payment_for_session(session, obj)
    if payment is None or not advance(session, payment, status, reason, event_id):
        return
    reservation = session.get(Reservation, payment.reservation_id)
    release_for_payment(session, reservation, RS.CANCELLED, reason)


def async_payment_failed(session, obj, event_id):
    _not_paid(session, obj, event_id, P.FAILED, "payment failed")


def checkout_expired(session, obj, event_id):
    _not_paid(session, obj, event_id, P.EXPIRED, "payment not completed in time")


def intent_canceled(session, obj, event_id):
    """A card hold was cancelled (by us, or it lapsed after about 7 days)."""
    payment = session.scalar(sa.select(Payment).where(Payment.payment_intent_id == obj.get("id")))
    if payment is not None and payment.kind == PaymentKind.DEPOSIT:
        advance(session, payment, P.RELEASED, "card hold cancelled", event_id)


def charge_refunded(session, obj, event_id):
    payment = session.scalar(
        sa.select(Payment).where(Payment.payment_intent_id == obj.get("payment_intent"))
    )
    if payment is None:
        return
    refunded = int(obj.get("amount_refunded") or 0)
    payment.refunded_cents = max(payment.refunded_cents, refunded)
    full = refunded >= (payment.captured_cents or payment.amount_cents)
    advance(
        session,
        payment,
        P.REFUNDED if full else P.PARTIALLY_REFUNDED,
        f"refunded {refunded} cents",
        event_id,
    )


def charge_succeeded(session, obj, event_id):
    payment = session.scalar(
        sa.select(Payment).where(Payment.payment_intent_id == obj.get("payment_intent"))
    )
    if payment is not None and obj.get("receipt_url"):
        payment.receipt_url = obj["receipt_url"]


def account_updated(session, obj, event_id):
    org = session.scalar(
        sa.select(Organization).where(Organization.stripe_account_id == obj.get("id"))
    )
    if org is not None:
        org.charges_enabled = bool(obj.get("charges_enabled"))
        org.payouts_enabled = bool(obj.get("payouts_enabled"))


HANDLERS = {
    "checkout.session.completed": checkout_completed,
    "checkout.session.async_payment_succeeded": async_payment_succeeded,
    "checkout.session.async_payment_failed": async_payment_failed,
    "checkout.session.expired": checkout_expired,
    "payment_intent.canceled": intent_canceled,
    "charge.refunded": charge_refunded,
    "charge.succeeded": charge_succeeded,
    "account.updated": account_updated,
}
